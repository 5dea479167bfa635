// Runs one scenario in a fresh directory, optionally failing one I/O operation, and checks
// the crash guarantees (docs/design.md, "Crash guarantees") around it:
//
//  - no unsynced write acknowledged: when a sync write returns OK, when durable_lsn(),
//    wait_durable(), sync() or checkpoint() reports an LSN durable, and when on_durable
//    says OK, the ledger must show a completed fdatasync covering every LSN up to it;
//  - no acknowledged write lost, no hole, no foreign value: the directory as a killed
//    process would leave it (copied before close) and as close leaves it both reopen,
//    without hooks, to exactly a prefix of the logged writes that includes every durable one;
//  - a clear error: when the fault mattered, an error reached the caller, and one error
//    names the failed operation, its file and the errno's text;
//  - the DB reopens and takes a new write with the next LSN;
//  - on_durable runs exactly once for every acknowledged async write.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fault_point_hooks.h"
#include "scenarios.h"

namespace walkv::faults {

struct FaultTarget {
  OpPoint point;
  Fault fault = Fault::kEio;
};

struct RunReport {
  std::optional<OpPoint> fired;          // the failed operation (nullopt: not reached)
  std::string outcome;                   // a row of the fault table
  std::vector<std::string> violations;   // broken guarantees; empty when all held
  std::vector<OpPoint> seen;             // every operation of the run, in order
};

RunReport run_scenario(const Scenario& scenario, const std::optional<FaultTarget>& target);

// The parent of the suite's directories: $WALKV_FAULTS_TMPDIR, else a tmpfs when there is one
// (test::TempDir::tmpfs_parent()). The suite runs hundreds of short-lived databases, and the
// faults it injects do not depend on real durability.
std::string scratch_parent();

}  // namespace walkv::faults
