// The whole run: every trial of every (mode, crash kind), up to --jobs at a time, progress,
// failures, reports.
#pragma once

#include "args.h"

namespace walkv::crash {

// Exit code after SIGINT (128 + 2, as a shell reports a process SIGINT ended): the results
// of the trials done were written, the trials in flight dropped.
inline constexpr int kInterruptedExit = 130;

// Exit codes: 0 every guarantee held; 1 a trial broke its mode's guarantee; 3 a trial
// could not be run or judged (environment, ledger overflow, crashed tooling);
// kInterruptedExit after SIGINT (whatever the trials done showed).
int run_simulation(const Config& config);

}  // namespace walkv::crash
