// Recovery's judgement, made once for both of its callers: DB::open (recovery.h), which then
// acts on it, and walkv::verify_dir (inspect.h), which only reports it. Reads; never writes.
//
// The judgement (docs/design.md, "Recovery"):
//   1. Snapshot: the newest snapshot file that verifies; damaged newer ones are skipped and
//      named. A newer format version is NotSupported, never a fallback.
//   2. Log: the in-sequence records after it (wal_reader.h), ending at LSN E.
//   3. Refuse with Corruption, naming file, offset and reason, when the bytes show that
//      durable data is damaged or missing:
//      - a segment file with a bad header, a size other than its header's, or not a regular
//        file;
//      - a segment between CONTROL's first and last segment missing;
//      - CONTROL damaged, or missing while a version-2 segment holds records;
//      - E below what CONTROL or a genuine record past the end says was durable.
//   4. Otherwise the bytes past E are a torn tail (never acknowledged as durable): recovery
//      preserves them in dropped-*.bin files, then trims them.
// Only walkv can have written the evidence: CONTROL is checksummed and fsynced by walkv, and
// record headers are salted per segment (record_format.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "control_file.h"
#include "file_io.h"
#include "snapshot.h"
#include "wal_reader.h"

namespace walkv {

struct RecoveryPlan {
  std::vector<std::string> names;  // the directory's listing
  Lsn snapshot_lsn = 0;
  std::string snapshot_path;           // empty: no snapshot
  std::uint64_t snapshots = 0;         // snapshot files found
  std::uint64_t snapshot_keys = 0;
  std::vector<std::string> notes;      // damage that costs nothing (skipped snapshots too)
  bool has_control = false;
  ControlState control;
  LogScan scan;
  std::vector<std::string> preserved;  // dropped-*.bin files already in the directory
  std::uint64_t preserved_bytes = 0;
};

using SnapshotFn = std::function<void(SnapshotMap&& entries, Lsn lsn)>;

// Reads dir and judges it: OK (then *plan says what the log holds and what is a torn tail),
// Corruption (the message names file, offset and reason), NotSupported (newer format), or
// IOError. on_snapshot receives the chosen snapshot's entries; on_record each record after
// it, as scan_log's fn.
Status plan_recovery(const FileSystem& fs, const std::string& dir, const SnapshotFn& on_snapshot,
                     const RecordFn& on_record, RecoveryPlan* plan);

}  // namespace walkv
