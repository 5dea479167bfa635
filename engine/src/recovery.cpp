#include "recovery.h"

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "index_replay.h"
#include "record_format.h"
#include "recovery_plan.h"

namespace walkv {

namespace {

// Creates a new dropped-<segment>-<offset>-<n>.bin file, n the first number free.
Result<UniqueFd> create_dropped(const FileSystem& fs, const std::string& dir, std::uint64_t seg,
                                std::uint64_t offset, std::string* path) {
  for (unsigned n = 1;; ++n) {
    *path = join_path(dir, format::dropped_file_name(seg, offset, n));
    auto fd = fs.create(*path, false);
    if (fd.ok() || fd.status().sys_errno() != EEXIST) return fd;
  }
}

// Copies [from, to) of the tail segment into a new dropped file and makes it durable.
Status preserve_range(const FileSystem& fs, const std::string& dir, const Segment& seg,
                      std::uint64_t from, std::uint64_t to, std::string* path) {
  auto out = create_dropped(fs, dir, seg.number, from, path);
  if (!out.ok()) return out.status();
  std::string buf;
  for (std::uint64_t pos = from; pos < to;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(std::uint64_t{1} << 20, to - pos));
    if (Status s = fs.read_at(seg.fd.get(), seg.path, pos, n, &buf); !s.ok()) return s;
    if (Status s = fs.write_at(out->get(), *path, pos - from, buf); !s.ok()) return s;
    pos += n;
  }
  return fs.datasync(out->get(), *path);
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

Result<std::shared_ptr<Segment>> open_segment(const FileSystem& fs, const SegmentScan& s) {
  auto fd = fs.open_existing(s.path, true);
  if (!fd.ok()) return fd.status();
  auto seg = std::make_shared<Segment>();
  seg->number = s.number;
  seg->path = s.path;
  seg->size = s.file_size;
  seg->salt = s.format.salt;
  seg->fd = std::move(fd.value());
  return seg;
}

}  // namespace

Status recover(const FileSystem& fs, const std::string& dir, Index* index, ControlFile* control,
               Recovered* out, const LogFn& log) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> names;
  if (Status s = list_dir(dir, &names); !s.ok()) return s;
  for (const auto& n : names) {
    // Only walkv's own temporary names: a half-made segment, snapshot or CONTROL. Anything
    // else in the directory is not ours to delete.
    if (!n.ends_with(".tmp")) continue;
    std::string_view base(n.data(), n.size() - 4);
    std::uint64_t number;
    if (format::parse_segment_file_name(base, &number) ||
        format::parse_snapshot_file_name(base, &number) || base == format::kControlFileName) {
      if (Status s = fs.unlink(join_path(dir, n)); !s.ok()) return s;
    }
  }

  RecoveryPlan plan;
  IndexReplay replay(index);
  std::shared_ptr<const char[]> owner;  // the buffer of the window being read
  auto on_snapshot = [&](SnapshotMap&& entries, Lsn lsn) { index->load(std::move(entries), lsn); };
  auto apply = [&](const format::RecordView& rec, const SegmentScan&, std::uint64_t,
                   const SegmentWindow& window) {
    // The replay keeps the window's buffer until it has staged the record: no copy.
    if (owner.get() != window.data()) owner = window.share();
    replay.add(rec.lsn, rec.payload, owner);
    return true;
  };
  if (Status s = plan_recovery(fs, dir, on_snapshot, apply, &plan); !s.ok()) return s;
  replay.finish();
  out->snapshot_lsn = plan.snapshot_lsn;

  const LogScan& scan = plan.scan;
  RecoveryReport& r = out->report;
  r.snapshot_lsn = plan.snapshot_lsn;
  r.segments_read = scan.segments.size();
  r.records_replayed = scan.records;
  r.last_lsn = scan.last_lsn;
  r.dropped_bytes = scan.dropped_bytes;
  r.notes = plan.notes;
  if (scan.dropped_bytes > 0) {
    r.dropped_segment = scan.segments[scan.stop_index].number;
    r.dropped_offset = scan.stop_offset;
    r.dropped_reason = scan.stop_reason;
  }

  // Live segments up to the tail; the tail reopened for writing. A segment before the tail
  // may hold records that only reached the page cache (os writes hand segments to the
  // kernel and roll on before the flusher's fdatasync): each one with records past CONTROL's
  // durable floor is made durable here, since durable_lsn starts at last_lsn.
  for (std::size_t i = 0; i < scan.tail_index && i < scan.segments.size(); ++i) {
    const SegmentScan& s = scan.segments[i];
    out->start.closed.push_back({s.number, s.path, s.last_lsn, s.end_offset});
    if (plan.has_control && s.last_lsn <= plan.control.durable_lsn) continue;
    auto fd = fs.open_existing(s.path, false);
    if (!fd.ok()) return fd.status();
    if (Status st = fs.datasync(fd->get(), s.path); !st.ok()) return st;
  }
  out->start.last_lsn = scan.last_lsn;
  std::uint64_t last_kept = 0;  // the highest segment number kept with records
  if (scan.tail_index < scan.segments.size()) {
    const SegmentScan& t = scan.segments[scan.tail_index];
    auto seg = open_segment(fs, t);
    if (!seg.ok()) return seg.status();
    // Steps 3 and 4: the dropped bytes must never be read as records again, whatever is
    // written later; they are kept aside first, because the judgement could be wrong.
    if (t.high_water > scan.tail_offset) {
      std::string path;
      if (Status s = preserve_range(fs, dir, **seg, scan.tail_offset, t.high_water, &path);
          !s.ok())
        return s;
      r.dropped_files.push_back(path);
      if (Status s = fs.sync_dir(dir); !s.ok()) return s;
      if (Status s = zero_range(fs, **seg, scan.tail_offset, t.high_water); !s.ok()) return s;
    }
    // Everything recovered (possibly only in the page cache after a process crash) is made
    // durable now, so durable_lsn starts at last_lsn.
    if (Status s = fs.datasync((*seg)->fd.get(), (*seg)->path); !s.ok()) return s;
    last_kept = t.number;
    out->next_segment_number = t.number + 1;
    if (t.format.version >= 2) {
      out->start.tail = std::move(seg.value());
      out->start.tail_offset = scan.tail_offset;
    } else {  // read-only from now on: new records start a version-2 segment
      out->start.closed.push_back({t.number, t.path, t.last_lsn, scan.tail_offset});
    }
  }

  // Later segments: the next spare if untouched, else dropped bytes or leftovers.
  std::vector<const SegmentScan*> later;
  for (std::size_t i = scan.tail_index + 1; i < scan.segments.size(); ++i) {
    const SegmentScan& s = scan.segments[i];
    const bool pristine = s.high_water <= format::kSegmentHeaderSize;
    if (pristine && !out->spare && s.number == out->next_segment_number && s.format.version >= 2) {
      auto spare = open_segment(fs, s);
      if (!spare.ok()) return spare.status();
      out->spare = std::move(spare.value());
      out->next_segment_number = s.number + 1;
      last_kept = s.number;  // records may go into it without another CONTROL update
      continue;
    }
    later.push_back(&s);
  }

  // Step 5.
  ControlState c;
  c.first_segment = scan.segments.empty() ? out->next_segment_number : scan.segments[0].number;
  c.last_segment = last_kept;
  c.durable_lsn = scan.last_lsn;
  c.snapshot_lsn = plan.snapshot_lsn;
  const bool unchanged = plan.has_control && c.first_segment == plan.control.first_segment &&
                         c.last_segment == plan.control.last_segment &&
                         c.durable_lsn == plan.control.durable_lsn &&
                         c.snapshot_lsn == plan.control.snapshot_lsn;
  if (unchanged) {
    control->assume(c);
  } else if (Status s = control->write(c); !s.ok()) {
    return s;
  }

  // Step 6.
  for (const SegmentScan* s : later) {
    if (s->high_water <= format::kSegmentHeaderSize) {
      if (Status st = fs.unlink(s->path); !st.ok()) return st;
      continue;
    }
    std::string path;
    for (unsigned n = 1;; ++n) {  // a name no earlier drop has taken
      path = join_path(dir, format::dropped_file_name(s->number, 0, n));
      if (std::find(names.begin(), names.end(), format::dropped_file_name(s->number, 0, n)) ==
          names.end())
        break;
    }
    if (Status st = fs.rename(s->path, path); !st.ok()) return st;
    r.dropped_files.push_back(path);
  }
  if (!later.empty())
    if (Status s = fs.sync_dir(dir); !s.ok()) return s;

  r.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                      .count();
  for (const auto& n : r.notes) log(LogLevel::kWarning, "recovery: " + n);
  if (r.dropped_bytes > 0) {
    std::string files;
    for (const auto& f : r.dropped_files) files += (files.empty() ? "" : ", ") + f;
    log(LogLevel::kWarning,
        "recovery dropped a torn tail of " + std::to_string(r.dropped_bytes) + " bytes at " +
            scan.segments[scan.stop_index].path + " offset " + std::to_string(r.dropped_offset) +
            " (" + r.dropped_reason + "); recovered through LSN " + std::to_string(r.last_lsn) +
            "; the dropped bytes are preserved in " + files);
  }
  return Status::OK();
}

}  // namespace walkv
