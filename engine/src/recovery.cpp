#include "recovery.h"

#include <algorithm>
#include <chrono>

#include "index_replay.h"
#include "record_format.h"
#include "snapshot.h"
#include "wal_reader.h"

namespace walkv {

namespace {

Status load_newest_snapshot(const FileSystem& fs, const std::string& dir,
                            const std::vector<std::string>& names, Index* index, Lsn* lsn,
                            const LogFn& log) {
  std::vector<Lsn> lsns;
  for (const auto& n : names) {
    Lsn l;
    if (format::parse_snapshot_file_name(n, &l)) lsns.push_back(l);
  }
  std::sort(lsns.rbegin(), lsns.rend());
  Status first_error;
  for (Lsn candidate : lsns) {
    std::string path = join_path(dir, format::snapshot_file_name(candidate));
    SnapshotMap entries;
    Lsn got = 0;
    Status s = load_snapshot(fs, path, &got, &entries);
    if (s.ok() && got != candidate)
      s = Status::Corruption("snapshot " + path + ": header LSN differs from its name");
    if (s.ok()) {
      if (!first_error.ok())
        log(LogLevel::kWarning, "ignoring damaged newer snapshot: " + first_error.message());
      index->load(std::move(entries), got);
      *lsn = got;
      return Status::OK();
    }
    if (!s.IsCorruption()) return s;  // NotSupported, IOError: never fall back silently
    if (first_error.ok()) first_error = s;
  }
  // Snapshots exist but none verifies: the WAL they covered is gone, so this is fatal.
  return first_error;
}

Status zero_range(const FileSystem& fs, const Segment& seg, std::uint64_t from,
                  std::uint64_t to) {
  const std::string zeros(std::size_t{1} << 20, '\0');
  while (from < to) {
    std::uint64_t n = std::min<std::uint64_t>(zeros.size(), to - from);
    if (Status s = fs.write_at(seg.fd.get(), seg.path, from, std::string_view(zeros).substr(0, n));
        !s.ok())
      return s;
    from += n;
  }
  return Status::OK();
}

}  // namespace

Status recover(const FileSystem& fs, const std::string& dir, Index* index, Recovered* out,
               const LogFn& log, bool skip_bad_records) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> names;
  if (Status s = list_dir(dir, &names); !s.ok()) return s;
  for (const auto& n : names) {
    // Only walkv's own temporary names: a half-made segment or snapshot. Anything else in
    // the directory is not ours to delete.
    if (!n.ends_with(".tmp")) continue;
    std::string_view base(n.data(), n.size() - 4);
    std::uint64_t number;
    if (format::parse_segment_file_name(base, &number) ||
        format::parse_snapshot_file_name(base, &number)) {
      if (Status s = fs.unlink(join_path(dir, n)); !s.ok()) return s;
    }
  }
  if (Status s = load_newest_snapshot(fs, dir, names, index, &out->snapshot_lsn, log); !s.ok())
    return s;

  LogScan scan;
  IndexReplay replay(index);
  std::shared_ptr<const char[]> owner;  // the buffer of the window being read
  auto apply = [&](const format::RecordView& rec, const SegmentScan&, std::uint64_t,
                   const SegmentWindow& window) {
    // The replay keeps the window's buffer until it has staged the record: no copy.
    if (owner.get() != window.data()) owner = window.share();
    replay.add(rec.lsn, rec.payload, owner);
    return true;
  };
  if (Status s = scan_log(fs, dir, out->snapshot_lsn, apply, &scan, skip_bad_records); !s.ok())
    return s;
  if (!scan.corruption.empty()) return Status::Corruption(scan.corruption);
  replay.finish();

  RecoveryReport& r = out->report;
  r.snapshot_lsn = out->snapshot_lsn;
  r.segments_read = scan.segments.size();
  r.records_replayed = scan.records;
  r.last_lsn = scan.last_lsn;
  r.dropped_bytes = scan.dropped_bytes;
  if (scan.dropped_bytes > 0) {
    r.dropped_segment = scan.stop_segment;
    r.dropped_offset = scan.stop_offset;
    r.dropped_reason = scan.stop_reason;
  }

  // Live segments up to the tail; the tail reopened for writing.
  for (std::size_t i = 0; i < scan.tail_index && i < scan.segments.size(); ++i) {
    const SegmentScan& s = scan.segments[i];
    out->start.closed.push_back({s.number, s.path, s.last_lsn, s.end_offset});
  }
  out->start.last_lsn = scan.last_lsn;
  bool unlinked = false;
  if (scan.tail_index < scan.segments.size()) {
    const SegmentScan& t = scan.segments[scan.tail_index];
    auto fd = fs.open_existing(t.path, true);
    if (!fd.ok()) return fd.status();
    auto seg = std::make_shared<Segment>();
    seg->number = t.number;
    seg->path = t.path;
    seg->size = t.file_size;
    seg->fd = std::move(fd.value());
    // Trim: the dropped bytes must never be read as records again, whatever is written later.
    if (t.high_water > scan.tail_offset)
      if (Status s = zero_range(fs, *seg, scan.tail_offset, t.high_water); !s.ok()) return s;
    // Everything recovered (possibly only in the page cache after a process crash) is made
    // durable now, so durable_lsn starts at last_lsn.
    if (Status s = fs.datasync(seg->fd.get(), seg->path); !s.ok()) return s;
    out->start.tail = std::move(seg);
    out->start.tail_offset = scan.tail_offset;
    out->next_segment_number = t.number + 1;
  }
  for (std::size_t i = scan.tail_index + 1; i < scan.segments.size(); ++i) {
    const SegmentScan& s = scan.segments[i];
    bool pristine = s.header_ok && s.high_water <= format::kSegmentHeaderSize;
    if (pristine && !out->spare && s.number == out->next_segment_number) {
      auto fd = fs.open_existing(s.path, true);
      if (!fd.ok()) return fd.status();
      out->spare = std::make_shared<Segment>();
      out->spare->number = s.number;
      out->spare->path = s.path;
      out->spare->size = s.file_size;
      out->spare->fd = std::move(fd.value());
      continue;
    }
    if (Status st = fs.unlink(s.path); !st.ok()) return st;
    unlinked = true;
  }
  if (!scan.segments.empty())
    out->next_segment_number =
        std::max(out->next_segment_number, scan.segments.back().number + 1);
  if (out->spare) out->next_segment_number = out->spare->number + 1;
  if (unlinked)
    if (Status s = fs.sync_dir(dir); !s.ok()) return s;

  r.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                      .count();
  if (r.dropped_bytes > 0) {
    log(LogLevel::kWarning, "recovery dropped " + std::to_string(r.dropped_bytes) +
                                " bytes of log tail at segment " +
                                std::to_string(r.dropped_segment) + " offset " +
                                std::to_string(r.dropped_offset) + " (" + r.dropped_reason +
                                "); recovered through LSN " + std::to_string(r.last_lsn));
  }
  return Status::OK();
}

}  // namespace walkv
