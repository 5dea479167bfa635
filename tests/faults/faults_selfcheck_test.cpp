// Self-check of the fault suite's checks: run against `walkv_buggy` with sync writes
// acknowledged before their fdatasync (Bug::kAckBeforeSync), a scenario must
// report the broken guarantees: the ledger sees acknowledgements no fdatasync covers, and
// the image a killed process leaves lacks acknowledged writes. A check that stays quiet here
// would prove nothing in faults_test.
#include <chrono>
#include <string>

#include "runner.h"
#include "scenarios.h"
#include "test_util.h"

namespace walkv::faults {
namespace {

bool any_contains(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("the fault suite catches sync writes acknowledged before their fdatasync",
          "[faults]") {
  CAPTURE(test::test_seed());
  Scenario sc = sync_writes_scenario(test::test_seed());
  sc.bug = Bug::kAckBeforeSync;
  const RunReport r = run_scenario(sc, std::nullopt);
  for (const auto& v : r.violations) UNSCOPED_INFO(v);
  CHECK(r.outcome == "VIOLATION");
  CHECK(any_contains(r.violations, "a sync write's OK reported LSN"));
}

TEST_CASE("the fault suite finds acknowledged writes missing from the image at kill",
          "[faults]") {
  // Two writes stay below flush_bytes and the flush interval is 10 s: with the bug, both
  // are acknowledged while still in the log buffer, so a killed process would lose them.
  // (With the default seed they are a put and a delete of the same key: only the LSN
  // check can see that they are missing.)
  CAPTURE(test::test_seed());
  Scenario sc = sync_writes_scenario(test::test_seed());
  sc.steps.resize(2);
  sc.options.flush_interval = std::chrono::seconds(10);
  sc.bug = Bug::kAckBeforeSync;
  const RunReport r = run_scenario(sc, std::nullopt);
  for (const auto& v : r.violations) UNSCOPED_INFO(v);
  CHECK(any_contains(r.violations, "image at kill"));
}

TEST_CASE("the fault suite passes the same scenario without the bug", "[faults]") {
  const RunReport r = run_scenario(sync_writes_scenario(test::test_seed()), std::nullopt);
  for (const auto& v : r.violations) UNSCOPED_INFO(v);
  CHECK(r.violations.empty());
}

}  // namespace
}  // namespace walkv::faults
