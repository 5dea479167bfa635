// Group commit: concurrent sync writers share a write + fdatasync, so fsyncs are far fewer
// than commits and throughput grows with writers. A single writer, with nobody to share
// with, pays one fsync per commit (the control).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace walkv::test {
namespace {

struct RunResult {
  Stats stats;
  std::uint64_t hook_syncs = 0;
  std::uint64_t errors = 0;
};

// `threads` writers each do `per_thread` sync puts of distinct keys; every put is checked
// durable when it returns. With sync_delay > 0 every WAL fdatasync takes that much longer
// (a slow disk), which makes grouping deterministic.
RunResult run_sync_writers(const std::string& dir, int threads, int per_thread,
                           std::chrono::microseconds sync_delay) {
  auto hooks = std::make_shared<FaultHooks>();
  if (sync_delay.count() > 0) hooks->delay(IoOp::kSync, sync_delay);
  Options opts = small_options(CommitMode::kSync);
  opts.io_hooks = hooks;
  auto db = open_ok(dir, opts);
  std::uint64_t syncs_at_start = hooks->count(IoOp::kSync);
  Stats before = db->stats();
  std::atomic<std::uint64_t> errors{0}, not_durable{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        auto lsn = db->put(key, make_value(static_cast<std::uint64_t>(i), 0, 64));
        if (!lsn.ok()) {
          errors.fetch_add(1);
          continue;
        }
        if (db->durable_lsn() < lsn.value()) not_durable.fetch_add(1);
      }
    });
  }
  for (auto& th : pool) th.join();
  RunResult r;
  r.stats = db->stats();
  r.stats.commits -= before.commits;
  r.stats.fsyncs -= before.fsyncs;
  r.stats.flushes -= before.flushes;
  r.hook_syncs = hooks->count(IoOp::kSync) - syncs_at_start;
  r.errors = errors.load();
  INFO("commits " << r.stats.commits << " fsyncs " << r.stats.fsyncs << " flushes "
                  << r.stats.flushes << " avg group " << r.stats.commits_per_flush);
  CHECK(r.errors == 0);
  CHECK(r.stats.commits == static_cast<std::uint64_t>(threads) * per_thread);
  CHECK(not_durable.load() == 0);
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < per_thread; i += 7) {
      std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
      CHECK(get_or_marker(*db, key) == make_value(static_cast<std::uint64_t>(i), 0, 64));
    }
  }
  return r;
}

TEST_CASE("eight sync writers share fsyncs on a slow disk") {
  TempDir dir;
  RunResult r = run_sync_writers(dir.path(), 8, 60, std::chrono::microseconds(2000));
  INFO("fsyncs " << r.stats.fsyncs << " hook syncs " << r.hook_syncs << " avg group "
                 << r.stats.commits_per_flush);
  CHECK(r.stats.last_lsn == 480);
  CHECK(r.stats.durable_lsn == 480);
  CHECK(r.stats.fsyncs * 3 <= r.stats.commits);
  CHECK(r.hook_syncs * 3 <= r.stats.commits);  // the engine's count matches what it did
  CHECK(r.stats.fsyncs <= r.hook_syncs);
  CHECK(r.stats.commits_per_flush >= 3.0);
}

// Without gathering, writers split into two groups that take turns: while one group's
// fdatasync runs, the other queues, and the leader of the next flush starts it before the
// writers just released are back. With it, a leader waits for them (bounded by half a
// flush), so nearly every flush carries all four.
TEST_CASE("writers a flush released are gathered into the next flush") {
  TempDir dir;
  RunResult r = run_sync_writers(dir.path(), 4, 60, std::chrono::microseconds(2000));
  INFO("avg group " << r.stats.commits_per_flush);
  CHECK(r.stats.commits_per_flush >= 3.2);
}

TEST_CASE("eight sync writers share fsyncs on the real disk") {
  TempDir dir;
  RunResult r = run_sync_writers(dir.path(), 8, 100, std::chrono::microseconds(0));
  INFO("commits " << r.stats.commits << " fsyncs " << r.stats.fsyncs);
  CHECK(r.stats.fsyncs * 2 <= r.stats.commits);
}

TEST_CASE("a single sync writer pays one fsync per commit") {
  TempDir dir;
  RunResult r = run_sync_writers(dir.path(), 1, 40, std::chrono::microseconds(0));
  CHECK(r.stats.fsyncs >= 40);
  CHECK(r.hook_syncs >= 40);
}

TEST_CASE("sync and async writers mixed keep each sync write durable on return") {
  TempDir dir;
  Options opts = small_options(CommitMode::kAsync);
  opts.flush_interval = std::chrono::microseconds(3000);
  auto db = open_ok(dir.path(), opts);
  std::atomic<int> sync_not_durable{0}, errors{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 6; ++t) {
    pool.emplace_back([&, t] {
      WriteOptions wo;
      if (t % 2 == 0) wo.mode = CommitMode::kSync;
      for (int i = 0; i < 80; ++i) {
        auto lsn = db->put("t" + std::to_string(t) + "/" + std::to_string(i), "v", wo);
        if (!lsn.ok()) {
          errors.fetch_add(1);
          continue;
        }
        if (t % 2 == 0 && db->durable_lsn() < lsn.value()) sync_not_durable.fetch_add(1);
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(errors.load() == 0);
  CHECK(sync_not_durable.load() == 0);
  auto d = db->sync();
  REQUIRE(d.ok());
  CHECK(d.value() == 480);
  CHECK(db->stats().keys == 480);
}

// Watches the WAL's fdatasyncs: how many run at once (flushes are serialized, so never more
// than one), each held up by a seeded random 0–400 µs so that writers pile up and groups
// form, fall apart and are taken over in every order.
class SyncOverlapHooks : public IoHooks {
 public:
  explicit SyncOverlapHooks(std::uint64_t seed) : seed_(seed) {}
  int before(const IoEvent& ev) override {
    if (!wal_sync(ev)) return 0;
    const int now = running_.fetch_add(1) + 1;
    int seen = max_running_.load();
    while (now > seen && !max_running_.compare_exchange_weak(seen, now)) {
    }
    std::mt19937_64 rng(seed_ + calls_.fetch_add(1));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 400));
    return 0;
  }
  void after(const IoEvent& ev, int) override {
    if (wal_sync(ev)) running_.fetch_sub(1);
  }
  int max_running() const { return max_running_.load(); }

 private:
  static bool wal_sync(const IoEvent& ev) {
    return ev.op == IoOp::kSync && ev.path.find("wal-") != std::string::npos;
  }

  const std::uint64_t seed_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<int> running_{0}, max_running_{0};
};

// The writer that completes a gathered group leads its flush, and the leader that gathered
// it waits as a follower (commit_log.h): exactly one of them flushes. If both did, two
// flushes would run at once and the durable LSN would go back when the older one ended.
TEST_CASE("flushes never overlap and the durable LSN never goes back while groups are taken over") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  TempDir dir;
  auto hooks = std::make_shared<SyncOverlapHooks>(seed);
  Options opts = small_options(CommitMode::kSync);
  opts.flush_interval = std::chrono::microseconds(300);
  opts.io_hooks = hooks;
  opts.segment_bytes = 4 << 20;
  auto db = open_ok(dir.path(), opts);
  std::atomic<bool> done{false};
  std::atomic<int> went_back{0}, not_durable{0}, errors{0};
  std::thread watcher([&] {
    Lsn last = 0;
    while (!done.load()) {
      const Lsn now = db->durable_lsn();
      if (now < last) went_back.fetch_add(1);
      last = std::max(last, now);
    }
  });
  constexpr int kSyncWriters = 12, kAsyncWriters = 2, kPerWriter = 150;
  std::vector<std::thread> pool;
  for (int t = 0; t < kSyncWriters + kAsyncWriters; ++t) {
    pool.emplace_back([&, t] {
      WriteOptions wo;
      const bool sync = t < kSyncWriters;
      wo.mode = sync ? CommitMode::kSync : CommitMode::kAsync;
      for (int i = 0; i < kPerWriter; ++i) {
        auto lsn = db->put("t" + std::to_string(t) + "/" + std::to_string(i), "v", wo);
        if (!lsn.ok()) {
          errors.fetch_add(1);
          continue;
        }
        if (sync && db->durable_lsn() < lsn.value()) not_durable.fetch_add(1);
      }
    });
  }
  for (auto& th : pool) th.join();
  done.store(true);
  watcher.join();
  INFO("fdatasyncs at once, at most: " << hooks->max_running());
  CHECK(errors.load() == 0);
  CHECK(hooks->max_running() == 1);
  CHECK(went_back.load() == 0);
  CHECK(not_durable.load() == 0);
  auto d = db->sync();
  REQUIRE(d.ok());
  CHECK(d.value() == (kSyncWriters + kAsyncWriters) * kPerWriter);
}

}  // namespace
}  // namespace walkv::test
