// os writers beside sync and async ones on several threads: each os acknowledgement comes
// after its record is written, each sync one after it is durable. Run under TSan (the
// hand-off shares mu_ and the flush flag with group commit and the flusher).
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace walkv::test {
namespace {

TEST_CASE("os writers on several threads each find their write in the file", "[concurrency]") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options(CommitMode::kOs));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<std::string> failures;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      WriteOptions wo;  // every fourth thread mixes in sync and async writes
      for (int i = 0; i < kPerThread; ++i) {
        if (t == 3) wo.mode = i % 2 ? CommitMode::kSync : CommitMode::kAsync;
        auto lsn = db->put("t" + std::to_string(t) + "/" + make_key(i), make_value(i, t), wo);
        std::string bad;
        if (!lsn.ok()) {
          bad = lsn.status().ToString();
        } else if (t != 3 && db->stats().written_lsn < *lsn) {
          bad = "os write " + std::to_string(*lsn) + " acknowledged before it was written";
        } else if (t == 3 && i % 2 && db->durable_lsn() < *lsn) {
          bad = "sync write " + std::to_string(*lsn) + " acknowledged before it was durable (" +
                std::to_string(db->durable_lsn()) + ")";
        }
        if (!bad.empty()) {
          std::lock_guard lk(mu);
          failures.push_back(bad);
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& f : failures) FAIL_CHECK(f);
  const Stats st = db->stats();
  CHECK(st.last_lsn == std::uint64_t{kThreads} * kPerThread);
  REQUIRE(db->sync().ok());
  CHECK(db->durable_lsn() == st.last_lsn);
}

}  // namespace
}  // namespace walkv::test
