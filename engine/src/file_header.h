// The 64-byte header every walkv file starts with — segments, snapshots and CONTROL:
//   [0,8)   magic (the file kind: "WALKVLOG", "WALKVSNP", "WALKVCTL")
//   [8,12)  u32 format version of that kind
//   [12,16) u32 header size, 64
//   [16,56) five u64 fields whose meaning is the kind's (docs/design.md, "On-disk format");
//           unused ones are zero
//   [56,64) u64 XXH3-64 of [0,56)
// One codec, so that the three kinds cannot drift apart. Little-endian throughout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace walkv::format {

inline constexpr std::size_t kFileHeaderSize = 64;

struct FileHeader {
  std::uint32_t version = 0;
  std::uint64_t field[5] = {};
};

std::string encode_file_header(const char (&magic)[8], const FileHeader& h);

enum class HeaderCheck { kOk, kShort, kBadMagic, kBadChecksum, kBadSize };
// Checks, in this order: length, magic, checksum, header size. Fills *out only on kOk (the
// version is the caller's to judge).
HeaderCheck decode_file_header(std::string_view bytes, const char (&magic)[8], FileHeader* out);

}  // namespace walkv::format
