// The durability barrier and notifications: sync(), wait_durable (with and without a
// timeout), durable_lsn, WriteOptions::on_durable, DB::when_durable and durable_future.
// Every notification fires exactly once, and only once its LSN is durable.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace walkv::test {
namespace {

// Records each on_durable call: how often, with what status, and whether durable_lsn()
// already covered the LSN when it ran.
struct CallLog {
  explicit CallLog(std::size_t n) : calls(n), ok(n), covered(n) {}
  std::vector<std::atomic<int>> calls;
  std::vector<std::atomic<bool>> ok;
  std::vector<std::atomic<bool>> covered;
  std::atomic<std::size_t> total{0};
};

void notifications_fire_once_after_durability(CommitMode mode) {
  TempDir dir;
  Options opts = small_options(mode);
  opts.flush_interval = std::chrono::microseconds(2000);
  auto db = open_ok(dir.path(), opts);
  constexpr std::size_t kWrites = 200;
  auto log = std::make_shared<CallLog>(kWrites);
  DB* raw = db.get();
  std::vector<Lsn> lsns(kWrites);
  for (std::size_t i = 0; i < kWrites; ++i) {
    WriteOptions wo;
    // A single writer on a fresh DB: this write's LSN is i + 1 (checked below).
    wo.on_durable = [log, raw, i](const Status& s) {
      log->calls[i].fetch_add(1);
      log->ok[i] = s.ok();
      log->covered[i] = raw->durable_lsn() >= i + 1;
      log->total.fetch_add(1);
    };
    auto lsn = raw->put(make_key(i), make_value(i, 0), wo);
    REQUIRE(lsn.ok());
    lsns[i] = lsn.value();
  }
  for (std::size_t i = 0; i < kWrites; ++i) REQUIRE(lsns[i] == i + 1);
  REQUIRE(db->sync().ok());
  CHECK(eventually([&] { return log->total.load() >= kWrites; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // any duplicate would show
  for (std::size_t i = 0; i < kWrites; ++i) {
    INFO("write " << i);
    CHECK(log->calls[i].load() == 1);
    CHECK(log->ok[i].load());
    CHECK(log->covered[i].load());
  }
  db.reset();
  for (std::size_t i = 0; i < kWrites; ++i) CHECK(log->calls[i].load() == 1);
}

TEST_CASE("on_durable fires exactly once after durability in async mode") {
  notifications_fire_once_after_durability(CommitMode::kAsync);
}

TEST_CASE("on_durable fires exactly once after durability in sync mode") {
  notifications_fire_once_after_durability(CommitMode::kSync);
}

TEST_CASE("on_durable is not called for a write that was rejected") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options(CommitMode::kAsync));
  std::atomic<int> calls{0};
  WriteOptions wo;
  wo.on_durable = [&](const Status&) { calls.fetch_add(1); };
  CHECK(db->put("", "v", wo).status().IsInvalidArgument());
  REQUIRE(db->put("ok", "v").ok());
  REQUIRE(db->sync().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(calls.load() == 0);
}

TEST_CASE("closing the DB delivers pending on_durable notifications as OK") {
  TempDir dir;
  std::atomic<int> calls{0};
  std::atomic<bool> all_ok{true};
  {
    auto db = open_ok(dir.path(), idle_flusher_options(CommitMode::kAsync));
    for (int i = 0; i < 10; ++i) {
      WriteOptions wo;
      wo.on_durable = [&](const Status& s) {
        calls.fetch_add(1);
        if (!s.ok()) all_ok = false;
      };
      REQUIRE(db->put(make_key(static_cast<std::uint64_t>(i)), "v", wo).ok());
    }
    CHECK(calls.load() == 0);
  }
  CHECK(calls.load() == 10);
  CHECK(all_ok.load());
}

TEST_CASE("when_durable on a durable LSN runs at once on the calling thread") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options(CommitMode::kSync));
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  bool called = false;
  Status got = Status::Corruption("not called");
  std::thread::id where;
  db->when_durable(lsn.value(), [&](const Status& s) {
    called = true;
    got = s;
    where = std::this_thread::get_id();
  });
  CHECK(called);
  CHECK(got.ok());
  CHECK(where == std::this_thread::get_id());
}

TEST_CASE("when_durable on a pending LSN runs once when it becomes durable") {
  TempDir dir;
  auto db = open_ok(dir.path(), idle_flusher_options(CommitMode::kAsync));
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  REQUIRE(db->durable_lsn() < lsn.value());
  std::atomic<int> calls{0};
  std::atomic<bool> ok{false}, covered{false};
  DB* raw = db.get();
  Lsn want = lsn.value();
  db->when_durable(want, [&, raw, want](const Status& s) {
    covered = raw->durable_lsn() >= want;
    ok = s.ok();
    calls.fetch_add(1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(calls.load() == 0);
  REQUIRE(db->sync().ok());
  CHECK(eventually([&] { return calls.load() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(calls.load() == 1);
  CHECK(ok.load());
  CHECK(covered.load());
}

TEST_CASE("durable_future becomes ready with OK only once the LSN is durable") {
  TempDir dir;
  auto db = open_ok(dir.path(), idle_flusher_options(CommitMode::kAsync));
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  auto fut = db->durable_future(lsn.value());
  CHECK(fut.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  CHECK(db->durable_lsn() < lsn.value());
  REQUIRE(db->sync().ok());
  REQUIRE(fut.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(fut.get().ok());
  CHECK(db->durable_lsn() >= lsn.value());
}

TEST_CASE("durable_future of an already durable LSN is ready at once") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options(CommitMode::kSync));
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  auto fut = db->durable_future(lsn.value());
  REQUIRE(fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  CHECK(fut.get().ok());
}

TEST_CASE("the async flusher alone fulfils durable_future") {
  TempDir dir;
  Options opts = small_options(CommitMode::kAsync);
  opts.flush_interval = std::chrono::microseconds(2000);
  auto db = open_ok(dir.path(), opts);
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  auto fut = db->durable_future(lsn.value());
  REQUIRE(fut.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(fut.get().ok());
  CHECK(db->durable_lsn() >= lsn.value());
}

TEST_CASE("a durability callback registered as the last flush ends is never lost") {
  // Each round writes one record and asks at once when it is durable, racing the flusher's
  // flush of that very record; nothing follows it, so a callback the flush missed would
  // wait forever. Rounds alternate os and async writes.
  TempDir dir;
  Options o = small_options(CommitMode::kAsync);
  o.flush_interval = std::chrono::microseconds(50);
  auto db = open_ok(dir.path(), o);
  WriteOptions os;
  os.mode = CommitMode::kOs;
  for (int round = 0; round < 2000; ++round) {
    INFO("round " << round);
    auto lsn = db->put("k", std::to_string(round), round % 2 ? os : WriteOptions{});
    REQUIRE(lsn.ok());
    auto future = db->durable_future(*lsn);
    REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    REQUIRE(future.get().ok());
  }
}

TEST_CASE("wait_durable with a timeout returns TimedOut while the LSN is not durable") {
  TempDir dir;
  auto db = open_ok(dir.path(), idle_flusher_options(CommitMode::kAsync));
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  auto start = std::chrono::steady_clock::now();
  Status s = db->wait_durable(lsn.value(), std::chrono::milliseconds(30));
  auto took = std::chrono::steady_clock::now() - start;
  INFO(s.ToString());
  CHECK(s.IsTimedOut());
  CHECK(took >= std::chrono::milliseconds(25));
  CHECK(took < std::chrono::seconds(5));
  CHECK(db->durable_lsn() < lsn.value());
  // Waiting did not make it durable, and the write is still fine.
  CHECK(get_or_marker(*db, "k") == "v");
}

TEST_CASE("wait_durable with a timeout returns OK once the flusher catches up") {
  TempDir dir;
  Options opts = small_options(CommitMode::kAsync);
  opts.flush_interval = std::chrono::microseconds(2000);
  auto db = open_ok(dir.path(), opts);
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  Status s = db->wait_durable(lsn.value(), std::chrono::seconds(5));
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(db->durable_lsn() >= lsn.value());
}

TEST_CASE("wait_durable without a timeout returns when another thread syncs") {
  TempDir dir;
  auto db = open_ok(dir.path(), idle_flusher_options(CommitMode::kAsync));
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  std::atomic<bool> returned{false};
  Status waited;
  std::thread waiter([&] {
    waited = db->wait_durable(lsn.value());
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK_FALSE(returned.load());
  REQUIRE(db->sync().ok());
  waiter.join();
  CHECK(waited.ok());
  CHECK(db->durable_lsn() >= lsn.value());
}

TEST_CASE("wait_durable on a durable LSN returns OK at once") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options(CommitMode::kSync));
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  CHECK(db->wait_durable(lsn.value(), std::chrono::microseconds(0)).ok());
  CHECK(db->wait_durable(lsn.value()).ok());
}

TEST_CASE("sync returns a durable LSN covering every earlier write") {
  TempDir dir;
  auto db = open_ok(dir.path(), idle_flusher_options(CommitMode::kAsync));
  Lsn last = 0;
  for (std::uint64_t i = 0; i < 30; ++i) {
    auto lsn = db->put(make_key(i), make_value(i, 0));
    REQUIRE(lsn.ok());
    last = lsn.value();
  }
  auto d = db->sync();
  REQUIRE(d.ok());
  CHECK(d.value() == last);
  CHECK(db->durable_lsn() == last);
  CHECK(db->stats().durable_lsn == last);
}

TEST_CASE("notifications from many async writer threads each fire exactly once") {
  TempDir dir;
  Options opts = small_options(CommitMode::kAsync);
  opts.flush_interval = std::chrono::microseconds(1000);
  auto db = open_ok(dir.path(), opts);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 150;
  constexpr std::size_t kWrites = kThreads * kPerThread;
  // By write id (thread * kPerThread + i). A callback may run on the writer's own thread
  // before put() returns, so it records durable_lsn() and the LSN is compared afterwards.
  std::vector<std::atomic<int>> calls(kWrites);
  std::vector<std::atomic<bool>> ok(kWrites);
  std::vector<std::atomic<Lsn>> durable_seen(kWrites);
  std::vector<Lsn> lsn_of(kWrites, 0);
  std::atomic<std::size_t> fired{0};
  DB* raw = db.get();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto id = static_cast<std::size_t>(t * kPerThread + i);
        WriteOptions wo;
        wo.on_durable = [&, id](const Status& s) {
          durable_seen[id] = raw->durable_lsn();
          ok[id] = s.ok();
          calls[id].fetch_add(1);
          fired.fetch_add(1);
        };
        auto lsn = raw->put("t" + std::to_string(t) + "/" + std::to_string(i), "v", wo);
        if (lsn.ok()) lsn_of[id] = lsn.value();
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(db->sync().ok());
  CHECK(eventually([&] { return fired.load() >= kWrites; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (std::size_t id = 0; id < kWrites; ++id) {
    INFO("write " << id << " LSN " << lsn_of[id]);
    REQUIRE(lsn_of[id] != 0);
    CHECK(calls[id].load() == 1);
    CHECK(ok[id].load());
    CHECK(durable_seen[id].load() >= lsn_of[id]);
  }
}

}  // namespace
}  // namespace walkv::test
