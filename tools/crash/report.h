// Results per (mode, crash kind): the terminal table, JSON and CSV (docs/crash.md, "How to read the table").
//
// A rot row's figures are those of its trials' process kill and first recovery (latency,
// loss, recovery time), plus how the recovery after the media damage went: rot_full and
// rot_refused count the trials classified full or refused (rot_verdict.h). A rot trial that
// broke the guarantee counts in the existing failure counters: prefix_violations when the
// damaged database opened with another state than the one at rest (silent loss, garbage),
// recovery_failures for a wrong refusal, a hang or a crash of the recovery process — so,
// when every trial kept its guarantees, rot_full + rot_refused == trials. Both counts are
// 0 in kill and power rows.
//
// A double row's loss is that of its workload kill, judged after the final recovery (the
// one after the power cut); its recovery time is that final recovery's. A double trial
// whose power cut took LSNs the middle recovery had reported durable, or whose middle
// recovery failed, counts in recovery_failures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "args.h"
#include "run_meta.h"
#include "trial.h"

namespace walkv::crash {

// One judged trial, for the chart's dots and the per-trial CSV.
struct TrialPoint {
  int index = 0;
  std::uint64_t seed = 0;            // the trial's own seed (trial_seed)
  std::uint64_t crash_ms = 0;        // crash delay after the writers started
  std::uint64_t acked = 0, lost = 0;
  double loss_window_ms = 0;         // crash - oldest lost ack (0: nothing lost)
  double loss_span_ms = 0;           // newest - oldest lost ack: what the bound checks
  double p50_us = 0, p99_us = 0, p999_us = 0;
  double commits_per_sec = 0;
  double recovery_ms = 0;
  double flush_round_max_ms = 0;
  bool prefix_violation = false, recovery_failure = false, lost_promised = false,
       bound_exceeded = false, broken = false;
  std::string rot_class;             // rot trials: full | refused | broken; else empty
};

struct Row {
  std::string mode;
  std::string commit_mode;             // the rung: sync | os | async
  std::int64_t flush_interval_us = 0;  // 0 for sync
  std::string crash;
  int trials = 0;
  double commits_per_sec = 0;     // acknowledged writes / time writing, all trials
  double latency_p50_us = 0, latency_p99_us = 0, latency_p999_us = 0;
  std::uint64_t lost_total = 0, lost_max = 0;
  double lost_mean = 0;           // per trial
  double window_max_ms = 0;
  double window_mean_ms = 0;      // over the trials that lost acknowledged writes
  int prefix_violations = 0;      // trials whose recovered state was not an LSN prefix
  int recovery_failures = 0;      // trials whose recovery failed
  double recovery_p50_ms = 0, recovery_max_ms = 0;
  int rot_full = 0;               // rot: recovered the state at rest exactly
  int rot_refused = 0;            // rot: refused with Corruption naming a damaged file
  std::string loss_promise;        // guarantee.h: nothing | bounded
  double loss_bound_ms = 0;        // bounded: 2 x interval + margin; 0 for nothing
  int broken_trials = 0;
  double flush_round_max_ms = 0;  // slowest write+fsync round the engine did (ledger)
  std::string io_backend;
  std::vector<TrialPoint> points;  // in trial order; not in the JSON (--trials-csv)
};

// `margin_ms`: --window-margin-ms, part of a bounded promise's bound.
Row aggregate(const ModeSpec& mode, CrashKind crash, const std::vector<TrialOutcome>& trials,
              double margin_ms);

std::string format_table(const std::vector<Row>& rows);
// The rows alone, one object each.
nlohmann::ordered_json to_json(const std::vector<Row>& rows);
// The results file: {"meta": meta_json(meta), "results": to_json(rows)}.
nlohmann::ordered_json results_document(const RunMeta& meta, const std::vector<Row>& rows);
// The rows as CSV, after the metadata as "# key: value" comment lines.
std::string to_csv(const std::vector<Row>& rows, const RunMeta& meta);
// One line per judged trial of every row, after the same comment lines.
std::string trials_csv(const std::vector<Row>& rows, const RunMeta& meta);

}  // namespace walkv::crash
