// Reads the WAL of a directory in LSN order and finds where the valid log ends; gathers the
// evidence recovery's judgement needs (recovery_plan.h decides).
//
// Reading (docs/design.md, "Recovery"): records are read in segment order; each must be
// genuine (its salted header and payload checksums match, record_format.h) and carry
// exactly the next LSN. Bytes that are not a genuine record are "unreadable"; past them the
// reader resynchronises on the next genuine record, trying every eighth offset (version-2
// records are 8-byte aligned). Unreadable bytes cost nothing when the next genuine record
// continues the sequence: they held only records the snapshot covers, or lay after a
// segment's last record (the next segment starts with the next LSN). Otherwise the log ends
// at them: reading stops there and never skips ahead. Past the stop the reader only looks for
// evidence: the highest synced LSN that a genuine record header claims.
//
// Cost: a clean log costs one header hash and one payload hash per record; after damage each
// eighth offset costs a few byte compares, and a hash where the type and zero bytes of a
// header happen to match. A length is trusted only once its header is genuine, so no damaged
// length makes the reader hash megabytes.
//
// Pure: scan_log reads and reports; it writes nothing. Thread-compatible.
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
  format::SegmentFormat format;
  Lsn last_lsn = 0;              // newest in-sequence record in this segment (0: none)
  std::uint64_t end_offset = 0;  // after the last in-sequence record (header size if none)
  std::uint64_t high_water = 0;  // after the last non-zero byte (header size if none)
};

struct LogScan {
  std::vector<SegmentScan> segments;  // every wal-*.log, by number
  bool complete = false;              // false: the record callback stopped the reading
  Lsn last_lsn = 0;                   // last in-sequence LSN (snapshot LSN if none)
  std::uint64_t records = 0;          // in-sequence records after the snapshot
  bool has_v2_records = false;        // some version-2 segment holds a genuine record
  // Where new records go: the segment (index into segments) of the last valid record and
  // the offset after it. tail_index == segments.size() when there is no usable segment.
  std::size_t tail_index = 0;
  std::uint64_t tail_offset = 0;
  // Where reading stopped before the end of the written log (stopped false: a clean end).
  bool stopped = false;
  std::size_t stop_index = 0;
  std::uint64_t stop_offset = 0;
  std::string stop_reason;
  std::uint64_t dropped_bytes = 0;  // non-zero bytes from the stop on
  // The highest synced LSN a genuine record header past the stop claims, and where.
  Lsn evidence_lsn = 0;
  std::size_t evidence_index = 0;
  std::uint64_t evidence_offset = 0;
  // Unreadable bytes that cost no record (kept on disk; verify reports them).
  std::vector<std::string> notes;
  // Damage that refuses the whole log whatever follows: a bad or foreign segment header, a
  // segment whose size differs from its header's, a file that is not a regular file.
  std::string corruption;
};

using RecordFn = std::function<bool(const format::RecordView&, const SegmentScan&,
                                    std::uint64_t offset, const SegmentWindow& window)>;

// Calls fn for each in-sequence record with LSN > snapshot_lsn (fn returns false to stop
// reading early; the scan is then incomplete). The record's views point into the reader's
// window onto the segment (segment_window.h), which moves on after fn returns; fn may keep
// them valid longer with window.share(). `names` is the directory's listing.
// NotSupported for a newer segment format; IOError if a file cannot be read.
Status scan_log(const FileSystem& fs, const std::string& dir,
                const std::vector<std::string>& names, Lsn snapshot_lsn, const RecordFn& fn,
                LogScan* out);

}  // namespace walkv
