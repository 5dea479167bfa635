// Read-only inspection: recovery's judgement (recovery_plan.h), without its side effects.
#include "walkv/inspect.h"

#include "record_format.h"
#include "recovery_plan.h"

namespace walkv {

namespace {

Status walk(const std::string& dir, const std::function<bool(const RecordInfo&)>* fn,
            VerifyReport* report) {
  *report = VerifyReport{};
  FileSystem fs(nullptr);
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
  RecoveryPlan plan;
  Status s = plan_recovery(fs, dir, nullptr, visit, &plan);
  report->snapshots = plan.snapshots;
  report->snapshot_lsn = plan.snapshot_lsn;
  report->snapshot_keys = plan.snapshot_keys;
  report->notes = plan.notes;
  report->preserved_files = plan.preserved.size();
  report->preserved_bytes = plan.preserved_bytes;
  report->segments = plan.scan.segments.size();
  report->records = plan.scan.records;
  if (s.IsCorruption() || s.IsNotSupported()) {
    report->corrupt = true;
    report->corruption = s.message();
    return Status::OK();
  }
  if (!s.ok()) return s;
  const LogScan& scan = plan.scan;
  report->segments = scan.segments.size();
  report->records = scan.records;
  report->last_lsn = scan.last_lsn;
  report->tail_bytes = scan.dropped_bytes;
  if (scan.dropped_bytes > 0) {
    report->tail_segment = scan.segments[scan.stop_index].number;
    report->tail_offset = scan.stop_offset;
    report->tail_reason = scan.stop_reason;
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
