// Self-checks: the suite's key checks run against `walkv_buggy` (the engine compiled with
// deliberately broken behaviours that IoHooks can switch on) and must notice each bug.
// A check that cannot fail here proves nothing in the real tests.
#include <string>
#include <vector>

#include "common/sync_ledger.h"
#include "test_util.h"

namespace walkv::test {
namespace {

TEST_CASE("the ledger check catches sync writes acknowledged before their fsync") {
  TempDir dir;
  auto ledger = std::make_shared<LedgerHooks>();
  ledger->inject(Bug::kAckBeforeSync);
  Options opts = small_options(CommitMode::kSync);
  opts.io_hooks = ledger;
  opts.flush_interval = std::chrono::milliseconds(50);
  auto db = open_ok(dir.path(), opts);
  int uncovered = 0, not_durable = 0;
  for (std::uint64_t i = 0; i < 20; ++i) {
    auto lsn = db->put(make_key(i), make_value(i, 0));
    REQUIRE(lsn.ok());
    if (ledger->covered_through(1) < lsn.value()) ++uncovered;
    if (db->durable_lsn() < lsn.value()) ++not_durable;
  }
  // The same checks pass against the real engine (fault_injection_test, commit_modes_test).
  CHECK(uncovered > 0);
  CHECK(not_durable > 0);
}

TEST_CASE("the never-skip-ahead check catches recovery that hops over a bad record") {
  // The directory recovery_tail_test damages: 5 durable writes, then 15 flushed together
  // that vouch for none of each other, and a crash (no clean close records them durable).
  TempDir dir;
  auto recs = write_unsynced_tail(dir.path());
  flip_bit(recs[9].path, recs[9].offset + 40 + 4, 5);
  auto ledger = std::make_shared<LedgerHooks>();
  ledger->inject(Bug::kSkipBadRecord);
  Options buggy = small_options();
  buggy.io_hooks = ledger;
  auto db = DB::open(dir.path(), buggy);
  // The real engine opens and keys 9..19 are absent (recovery_tail_test); the check there
  // fails if the open fails or a key behind the bad record comes back.
  INFO(db.status().ToString());
  bool caught = !db.ok() || get_or_marker(*db.value(), make_key(12)) != "<absent>";
  CHECK(caught);
}

}  // namespace
}  // namespace walkv::test
