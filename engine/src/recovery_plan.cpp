#include "recovery_plan.h"

#include <sys/stat.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>

#include "record_format.h"

namespace walkv {

namespace {

std::string at(const std::string& path, std::uint64_t offset) {
  char b[32];
  std::snprintf(b, sizeof b, " offset %" PRIu64, offset);
  return path + b;
}

// The newest snapshot that verifies; the damaged newer ones become notes.
Status choose_snapshot(const FileSystem& fs, const std::string& dir, const SnapshotFn& fn,
                       RecoveryPlan* plan) {
  std::vector<Lsn> lsns;
  for (const auto& n : plan->names) {
    Lsn l;
    if (format::parse_snapshot_file_name(n, &l)) lsns.push_back(l);
  }
  plan->snapshots = lsns.size();
  std::sort(lsns.rbegin(), lsns.rend());
  for (Lsn candidate : lsns) {
    const std::string path = join_path(dir, format::snapshot_file_name(candidate));
    SnapshotMap entries;
    Lsn got = 0;
    Status s = load_snapshot(fs, path, &got, &entries);
    if (s.ok() && got != candidate)
      s = Status::Corruption(path + ": header says LSN " + std::to_string(got) +
                             ", its name says " + std::to_string(candidate));
    if (!s.ok()) {
      if (!s.IsCorruption()) return s;  // NotSupported, IOError: never fall back silently
      plan->notes.push_back("skipped damaged snapshot " + s.message());
      continue;
    }
    plan->snapshot_lsn = got;
    plan->snapshot_path = path;
    plan->snapshot_keys = entries.size();
    if (fn) fn(std::move(entries), got);
    return Status::OK();
  }
  return Status::OK();
}

// A Corruption whose message names where the log ends and what says it should not.
Status refuse(const RecoveryPlan& p, const std::string& claim) {
  const LogScan& s = p.scan;
  std::string where;
  if (s.stopped) {
    where = at(s.segments[s.stop_index].path, s.stop_offset) + ": " + s.stop_reason + ": ";
  } else if (s.tail_index < s.segments.size()) {
    where = at(s.segments[s.tail_index].path, s.tail_offset) + ": ";
  }
  std::string msg = where + "the log ends at LSN " + std::to_string(s.last_lsn) + ", but " +
                    claim;
  for (const auto& n : p.notes)
    if (n.starts_with("skipped damaged snapshot")) msg += "; " + n;
  return Status::Corruption(msg);
}

}  // namespace

Status plan_recovery(const FileSystem& fs, const std::string& dir, const SnapshotFn& on_snapshot,
                     const RecordFn& on_record, RecoveryPlan* plan) {
  *plan = RecoveryPlan{};
  if (Status s = list_dir(dir, &plan->names); !s.ok()) return s;
  std::sort(plan->names.begin(), plan->names.end());
  for (const auto& n : plan->names) {
    if (!format::is_dropped_file_name(n)) continue;
    plan->preserved.push_back(n);
    struct stat st;
    if (::stat(join_path(dir, n).c_str(), &st) == 0)
      plan->preserved_bytes += static_cast<std::uint64_t>(st.st_size);
  }
  if (Status s = read_control(fs, dir, &plan->control, &plan->has_control); !s.ok()) return s;
  if (Status s = choose_snapshot(fs, dir, on_snapshot, plan); !s.ok()) return s;

  LogScan& scan = plan->scan;
  if (Status s = scan_log(fs, dir, plan->names, plan->snapshot_lsn, on_record, &scan); !s.ok())
    return s;
  if (!scan.corruption.empty()) return Status::Corruption(scan.corruption);
  plan->notes.insert(plan->notes.end(), scan.notes.begin(), scan.notes.end());
  if (!scan.complete) return Status::OK();  // the caller stopped reading: nothing to judge

  const std::string control_path = join_path(dir, format::kControlFileName);
  if (plan->has_control) {
    const ControlState& c = plan->control;
    std::set<std::uint64_t> present;
    for (const auto& seg : scan.segments) present.insert(seg.number);
    for (std::uint64_t n = std::max<std::uint64_t>(c.first_segment, 1); n <= c.last_segment;
         ++n) {
      if (!present.count(n))
        return Status::Corruption(join_path(dir, format::segment_file_name(n)) +
                                  ": missing (" + control_path + " says the log spans segments " +
                                  std::to_string(c.first_segment) + " to " +
                                  std::to_string(c.last_segment) + ")");
    }
    if (c.durable_lsn > scan.last_lsn)
      return refuse(*plan, control_path + " says every LSN through " +
                               std::to_string(c.durable_lsn) + " was durable");
  } else if (scan.has_v2_records) {
    // A directory made before CONTROL existed holds only version-1 segments; a new one may
    // have stopped between its first segment and its CONTROL, before any record.
    return Status::Corruption(control_path + ": missing, but the log's segments hold records");
  }
  if (scan.evidence_lsn > scan.last_lsn)
    return refuse(*plan, "the record at " +
                             at(scan.segments[scan.evidence_index].path, scan.evidence_offset) +
                             " says every LSN through " + std::to_string(scan.evidence_lsn) +
                             " was durable");
  return Status::OK();
}

}  // namespace walkv
