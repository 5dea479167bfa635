// One trial: start the workload in a child, SIGKILL it at a seeded moment, optionally cut
// the power (rewrite files from the ledger), recover in a fresh process and judge. A rot
// trial then damages the recovered database at rest, recovers it again and classifies
// what that recovery did (rot_verdict.h). A double trial recovers in a process that is
// SIGKILLed right after it reported its durable LSN, and cuts the power only then.
#pragma once

#include <cstdint>
#include <string>

#include "args.h"
#include "checker.h"
#include "power_cut.h"
#include "rot.h"
#include "rot_verdict.h"
#include "stats.h"

namespace walkv::crash {

struct TrialSpec {
  ModeSpec mode;
  CrashKind crash = CrashKind::kKill;
  int index = 0;
  std::uint64_t seed = 0;  // trial_seed(run seed, mode, crash, index)
};

// Depends only on the run seed, the mode's name, the crash kind and the trial number, so
// `--seed S --modes M --crash K --trial N` replays trial N alone.
std::uint64_t trial_seed(std::uint64_t run_seed, const ModeSpec& mode, CrashKind crash, int index);

// How the engine's fdatasyncs went, from the ledger (power trials): explains loss windows.
struct SyncTimeline {
  std::uint64_t syncs = 0;            // successful fdatasyncs of files
  double slowest_ms = 0;              // longest fdatasync, before() -> after()
  double slowest_round_ms = 0;        // longest flush: first write submitted -> its sync done
                                      // (a round still running at the crash: -> the crash)
  double widest_gap_ms = 0;           // longest time between two successive completions
  double last_done_before_crash_ms = -1;  // -1: none completed
};

// The media-damage half of a rot trial. Small: a run keeps every outcome of a mode and
// crash kind until its row is made, so the state at rest itself is not kept.
struct RotOutcome {
  bool classified = false;        // the bits were flipped and the recovery after it judged
  RotClass kind = RotClass::kBroken;
  std::vector<BitFlip> flips;
  std::size_t rest_keys = 0;      // the state at rest when they were flipped
  std::uint64_t rest_last_lsn = 0;
};

// The middle process of a double trial: a recovery that opened, reported durable_lsn()
// and was SIGKILLed.
struct DoubleOutcome {
  bool reported = false;          // it opened and reported its durable LSN
  std::string error;              // why it did not
  std::uint64_t durable_lsn = 0;  // DB::durable_lsn() right after open
  std::uint64_t last_lsn = 0;     // stats().recovery.last_lsn
  double open_ms = 0;
  std::uint64_t kill_delay_ms = 0;  // from its report to the SIGKILL
};

struct TrialOutcome {
  int index = 0;                // TrialSpec::index
  std::uint64_t seed = 0;       // TrialSpec::seed
  std::string tool_error;       // non-empty: the trial could not be run or judged
  std::string engine_error;     // non-empty: a write failed during the workload
  std::uint64_t acked = 0;
  double write_seconds = 0;     // from the writers' start to the crash
  std::uint64_t crash_delay_ms = 0;
  LatencyHistogram latency;     // call -> return of each acknowledged write
  CheckResult check;
  bool window_exceeded = false; // a bounded loss (guarantee.h) spanned >= its bound
  double recovery_ms = 0;       // DB::open in the fresh process
  std::string io_backend;       // "io_uring" or "posix" (as the child reported)
  PowerCutReport power;
  SyncTimeline syncs;
  RotOutcome rot;               // rot trials only
  DoubleOutcome dbl;            // double trials only
  std::string dir;              // the trial directory (kept when something failed)
  // A broken rot classification is in `check` too: a wrong state as a prefix violation,
  // anything else as a recovery failure.
  bool broken() const {
    return !engine_error.empty() || check.broken() || window_exceeded;
  }
};

// Several may run at once (--jobs), on different specs: each trial has its own directory,
// ledger, pipes and children, and every fd it opens is close-on-exec (see spawn()).
TrialOutcome run_trial(const Config& config, const TrialSpec& spec, const std::string& exe);

}  // namespace walkv::crash
