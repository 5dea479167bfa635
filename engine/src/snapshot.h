// Snapshot files: the whole index at one LSN, so the WAL before it can be deleted.
//
// "snapshot-<16 hex digits of the LSN>.snap":
//   [0,64)   header: magic "WALKVSNP", u32 version, u32 header size (64), u64 LSN,
//            u64 key count, 24 zero bytes, u64 XXH3-64 of [0,56)
//   [64,n-8) entries in key order: varint32 key length, key, varint32 value length, value
//   [n-8,n)  u64 XXH3-64 of [64, n-8)
// Written as "<name>.tmp", fdatasync'd, renamed, then the directory is fsynced: a snapshot
// with its final name is complete. Loading verifies both checksums before using a byte.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "file_io.h"
#include "snapshot_map.h"
#include "walkv/status.h"

namespace walkv {

class IndexCut;

inline constexpr char kSnapshotMagic[8] = {'W', 'A', 'L', 'K', 'V', 'S', 'N', 'P'};
inline constexpr std::uint32_t kSnapshotVersion = 1;
inline constexpr std::size_t kSnapshotHeaderSize = 64;

// Writes `cut` as the snapshot for `lsn` in `dir` (tmp, sync, rename, dir sync).
// REQUIRES: cut.complete().
Status write_snapshot(const FileSystem& fs, const std::string& dir, std::uint64_t lsn,
                      const IndexCut& cut);

// Loads a snapshot file. Corruption if a checksum or length is wrong; NotSupported if its
// version is newer than this build's. On success *lsn and *out hold its contents.
Status load_snapshot(const FileSystem& fs, const std::string& path, std::uint64_t* lsn,
                     SnapshotMap* out);

}  // namespace walkv
