// walkv/inspect.h — read-only inspection of a walkv directory (for `walkv verify`, `dump`).
//
// These functions never modify, trim or lock the directory; they may run beside an open DB
// (then the live tail may look torn). Thread-safe: they share no state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "walkv/options.h"
#include "walkv/status.h"
#include "walkv/write_batch.h"

namespace walkv {

struct RecordInfo {
  std::uint64_t segment = 0;   // segment number (from the file name and header)
  std::uint64_t offset = 0;    // byte offset of the record in the segment file
  std::uint32_t length = 0;    // whole record, header included
  Lsn lsn = 0;
  Lsn synced_lsn = 0;          // durable LSN the writer knew when it wrote this record
  std::uint32_t op_count = 0;  // operations in the record's batch
  std::string_view payload;    // WriteBatch rep (valid during the callback only)
};

struct VerifyReport {
  std::uint64_t snapshots = 0;       // snapshot files checked
  Lsn snapshot_lsn = 0;              // LSN of the newest valid snapshot
  std::uint64_t snapshot_keys = 0;
  std::uint64_t segments = 0;        // WAL segment files read
  std::uint64_t records = 0;         // valid records in LSN sequence
  std::uint64_t operations = 0;
  Lsn first_lsn = 0, last_lsn = 0;
  std::uint64_t wal_bytes = 0;       // bytes of valid records
  // Where reading stopped before the end of the written log (0 bytes: a clean end).
  std::uint64_t tail_bytes = 0;
  std::uint64_t tail_segment = 0, tail_offset = 0;
  std::string tail_reason;
  bool corrupt = false;              // DB::open would refuse: damage in durable data
  std::string corruption;            // then exactly open's error message (file, offset, why)
  // Unreadable bytes that cost no record, and damaged snapshots an older one replaces.
  std::vector<std::string> notes;
  // dropped-*.bin files: bytes an earlier recovery took out of the log and kept.
  std::uint64_t preserved_files = 0;
  std::uint64_t preserved_bytes = 0;
};

// Runs recovery's own judgement on `dir` (the code DB::open runs), without writing: OK with
// report->corrupt set exactly when DB::open would fail with Corruption (or NotSupported);
// otherwise the report says what open would recover and which torn tail it would drop.
// IOError if the directory cannot be read.
[[nodiscard]] Status verify_dir(const std::string& dir, VerifyReport* report);

// Calls fn for each valid WAL record in LSN order, stopping where recovery would stop
// (the reason is in the report). fn returns false to stop early.
[[nodiscard]] Status dump_dir(const std::string& dir,
                              const std::function<bool(const RecordInfo&)>& fn,
                              VerifyReport* report);

}  // namespace walkv
