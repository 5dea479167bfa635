// Read-only inspection: the same reader recovery uses (wal_reader), without the side effects.
#include "walkv/inspect.h"

#include <algorithm>

#include "record_format.h"
#include "snapshot.h"
#include "wal_reader.h"

namespace walkv {

namespace {

// Checks every snapshot; returns the newest valid one's LSN in report->snapshot_lsn.
Status check_snapshots(const FileSystem& fs, const std::string& dir, VerifyReport* report) {
  std::vector<std::string> names;
  if (Status s = list_dir(dir, &names); !s.ok()) return s;
  std::vector<Lsn> lsns;
  for (const auto& n : names) {
    Lsn l;
    if (format::parse_snapshot_file_name(n, &l)) lsns.push_back(l);
  }
  std::sort(lsns.begin(), lsns.end());
  for (Lsn l : lsns) {
    ++report->snapshots;
    SnapshotMap entries;
    Lsn got = 0;
    Status s = load_snapshot(fs, join_path(dir, format::snapshot_file_name(l)), &got, &entries);
    if (s.IsIOError()) return s;
    if (!s.ok()) {
      report->corrupt = true;
      report->corruption = s.message();
      continue;
    }
    report->snapshot_lsn = got;
    report->snapshot_keys = entries.size();
  }
  return Status::OK();
}

Status walk(const std::string& dir, const std::function<bool(const RecordInfo&)>* fn,
            VerifyReport* report) {
  *report = VerifyReport{};
  FileSystem fs(nullptr);
  if (Status s = check_snapshots(fs, dir, report); !s.ok()) return s;
  LogScan scan;
  auto visit = [&](const format::RecordView& rec, const SegmentScan& seg, std::uint64_t off,
                   const SegmentWindow&) {
    RecordInfo info;
    info.segment = seg.number;
    info.offset = off;
    info.length = rec.size;
    info.lsn = rec.lsn;
    info.synced_lsn = rec.synced_lsn;
    info.payload = rec.payload;
    (void)format::count_ops(rec.payload, &info.op_count);
    if (report->first_lsn == 0) report->first_lsn = rec.lsn;
    report->operations += info.op_count;
    report->wal_bytes += rec.size;
    return fn ? (*fn)(info) : true;
  };
  Status s = scan_log(fs, dir, report->snapshot_lsn, visit, &scan);
  if (s.IsNotSupported()) {
    report->corrupt = true;
    report->corruption = s.message();
    return Status::OK();
  }
  if (!s.ok()) return s;
  report->segments = scan.segments.size();
  report->records = scan.records;
  report->last_lsn = scan.last_lsn;
  report->tail_bytes = scan.dropped_bytes;
  report->tail_segment = scan.stop_segment;
  report->tail_offset = scan.stop_offset;
  report->tail_reason = scan.stop_reason;
  if (!scan.corruption.empty()) {
    report->corrupt = true;
    report->corruption = scan.corruption;
  }
  return Status::OK();
}

}  // namespace

Status verify_dir(const std::string& dir, VerifyReport* report) {
  return walk(dir, nullptr, report);
}

Status dump_dir(const std::string& dir, const std::function<bool(const RecordInfo&)>& fn,
                VerifyReport* report) {
  return walk(dir, &fn, report);
}

}  // namespace walkv
