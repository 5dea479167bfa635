// I/O fault injection at every point. For each scenario a counting pass records
// every I/O operation the engine performs; then, for each of them and each fault (EIO,
// ENOSPC, and for writes a short write), the scenario reruns in a fresh directory with
// exactly that operation failed, and runner.h's guarantees are checked. Each test case
// prints its rows of the fault table (docs/faults.md).
//
// Replay: WALKV_TEST_SEED=<seed> picks the workload; WALKV_FAULTS_ONLY=<text> reruns only
// the points whose label ("<scenario> | <op> <file> #<n> | <fault>") contains the text.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runner.h"
#include "scenarios.h"
#include "test_util.h"

namespace walkv::faults {
namespace {

// outcome -> runs, by (operation kind, fault), in first-seen order of kinds.
struct Table {
  std::vector<std::string> kinds;
  std::map<std::pair<std::string, std::string>, std::map<std::string, int>> cells;
  std::map<std::string, int> totals;
  int runs = 0;
};

void sweep(const Scenario& sc) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t seed = test::test_seed();
  CAPTURE(seed);
  const RunReport counting = run_scenario(sc, std::nullopt);
  for (const auto& v : counting.violations) FAIL_CHECK(sc.name << " without faults: " << v);
  REQUIRE(counting.violations.empty());
  REQUIRE_FALSE(counting.seen.empty());

  const char* only = std::getenv("WALKV_FAULTS_ONLY");
  Table table;
  std::vector<std::string> violations;
  for (const OpPoint& p : counting.seen) {
    for (Fault f : {Fault::kEio, Fault::kEnospc, Fault::kShortWrite}) {
      if (f == Fault::kShortWrite && (p.op != IoOp::kWrite || p.length < 2)) continue;
      const std::string label = fmt::format("{} | {} | {}", sc.name, p.label(), fault_name(f));
      if (only != nullptr && label.find(only) == std::string::npos) continue;
      const RunReport r = run_scenario(sc, FaultTarget{p, f});
      const std::string kind = p.kind();
      if (std::find(table.kinds.begin(), table.kinds.end(), kind) == table.kinds.end())
        table.kinds.push_back(kind);
      ++table.cells[{kind, fault_name(f)}][r.outcome];
      ++table.totals[r.outcome];
      ++table.runs;
      for (const auto& v : r.violations) violations.push_back(label + ": " + v);
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::string out = fmt::format("\nfaults: {} (seed {}): {} I/O operations, {} faulted runs, "
                                "{:.1f} s\n",
                                sc.name, seed, counting.seen.size(), table.runs, secs);
  for (const auto& kind : table.kinds) {
    for (Fault f : {Fault::kEio, Fault::kEnospc, Fault::kShortWrite}) {
      auto it = table.cells.find({kind, fault_name(f)});
      if (it == table.cells.end()) continue;
      int points = 0;
      std::string outcomes;
      for (const auto& [outcome, n] : it->second) {
        points += n;
        outcomes += fmt::format("{}{} ({})", outcomes.empty() ? "" : "; ", outcome, n);
      }
      out += fmt::format("| {} | {} | {} | {} | {} |\n", sc.name, kind, fault_name(f), points,
                         outcomes);
    }
  }
  for (const auto& [outcome, n] : table.totals) out += fmt::format("  {}: {}\n", outcome, n);
  std::cout << out << std::flush;

  for (std::size_t i = 0; i < violations.size() && i < 20; ++i) FAIL_CHECK(violations[i]);
  CHECK(violations.empty());
  CHECK(table.runs > 0);
}

TEST_CASE("every I/O operation of sync writes can fail: EIO, ENOSPC, short write",
          "[faults]") {
  sweep(sync_writes_scenario(test::test_seed()));
}

TEST_CASE("every I/O operation of async writes can fail - posix flusher", "[faults]") {
  sweep(async_writes_scenario(test::test_seed(), IoBackend::kPosix));
}

TEST_CASE("every I/O operation of async writes can fail - io_uring flusher", "[faults]") {
  if (!test::uring_available()) {
    WARN("io_uring cannot be set up here; the io_uring flusher is not exercised");
    return;
  }
  sweep(async_writes_scenario(test::test_seed(), IoBackend::kUring));
}

TEST_CASE("every I/O operation of checkpoints during writes can fail", "[faults]") {
  sweep(checkpoint_scenario(test::test_seed()));
}

TEST_CASE("every I/O operation of recovery can fail", "[faults]") {
  test::TempDir base(scratch_parent(), "faults");
  sweep(recovery_scenario(test::test_seed(), base.path()));
}

TEST_CASE("every I/O operation of a checkpoint with write-behind can fail", "[faults]") {
  test::TempDir base(scratch_parent(), "faults");
  sweep(large_checkpoint_scenario(test::test_seed(), base.path()));
}

}  // namespace
}  // namespace walkv::faults
