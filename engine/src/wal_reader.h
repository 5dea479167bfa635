// Reads the WAL of a directory in LSN order and decides where the valid log ends.
//
// Policy (SPEC section 2): reading stops at the first record that fails — torn, zeroed,
// checksum mismatch, stale (another segment's), or out of LSN sequence — and never skips
// ahead. A zero header ends a segment; the log continues in the next segment only if that
// segment's first record carries the next LSN. After the stop point the reader looks for
// evidence of corruption: a valid record whose synced_lsn says the first missing LSN had
// been made durable. Such evidence makes the damage corruption (an error), not a torn tail.
//
// Pure: scan_log reads and reports; trimming is recovery's job. Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "file_io.h"
#include "record_format.h"
#include "segment_window.h"

namespace walkv {

struct SegmentScan {
  std::uint64_t number = 0;
  std::string path;
  std::uint64_t file_size = 0;
  Lsn last_lsn = 0;             // newest in-sequence record in this segment (0: none)
  std::uint64_t end_offset = 0;  // after the last in-sequence record (header size if none)
  std::uint64_t high_water = 0;  // after the last non-zero byte (header size if none)
  bool header_ok = false;
};

struct LogScan {
  std::vector<SegmentScan> segments;  // every wal-*.log, by number
  Lsn last_lsn = 0;                   // last in-sequence LSN (snapshot LSN if none)
  std::uint64_t records = 0;          // in-sequence records after the snapshot
  // Where new records go: the segment (index into segments) of the last valid record and
  // the offset after it. tail_index == segments.size() when there is no usable segment.
  std::size_t tail_index = 0;
  std::uint64_t tail_offset = 0;
  std::string stop_reason;            // why reading stopped early; empty at a clean end
  std::uint64_t stop_segment = 0, stop_offset = 0;
  std::uint64_t dropped_bytes = 0;    // bytes of the log past the tail that are not zero
  std::string corruption;             // non-empty: evidence that durable data is damaged
};

using RecordFn = std::function<bool(const format::RecordView&, const SegmentScan&,
                                    std::uint64_t offset, const SegmentWindow& window)>;

// Calls fn for each in-sequence record with LSN > snapshot_lsn (fn returns false to stop
// reading early; the scan is then incomplete). The record's views point into the reader's
// window onto the segment (segment_window.h), which moves on after fn returns; fn may keep
// them valid longer with window.share().
// NotSupported for a newer segment format; IOError if a file cannot be read. `skip_bad` is
// the deliberately broken behaviour of the crash checker's tests
// (IoHooks::Bug::kSkipBadRecord); always false in production.
Status scan_log(const FileSystem& fs, const std::string& dir, Lsn snapshot_lsn,
                const RecordFn& fn, LogScan* out, bool skip_bad = false);

}  // namespace walkv
