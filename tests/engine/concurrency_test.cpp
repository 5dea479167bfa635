// Readers and writers from many threads at once: values are always well formed and never
// go back in time, sync-mode readers never see a value before it is durable, durable_lsn
// only grows, scans stay ordered, checkpoints run during writes, and an fsync error with
// several waiting writers fails them all while keeping every acknowledged write.
#include <atomic>
#include <cerrno>
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "file_io.h"
#include "record_format.h"
#include "snapshot.h"
#include "test_util.h"

namespace walkv::test {
namespace {

constexpr std::size_t kValueSize = 64;

std::string wkey(int writer, int k) {
  return "w" + std::to_string(writer) + "/" + std::to_string(k);
}

// Parses make_value(index, version, kValueSize); false if the value is not one of ours.
bool parse_value(const std::string& v, std::uint64_t index, std::uint64_t* version) {
  std::string prefix = "v" + std::to_string(index) + ".";
  if (v.compare(0, prefix.size(), prefix) != 0) return false;
  std::size_t colon = v.find(':', prefix.size());
  if (colon == std::string::npos) return false;
  *version = std::stoull(v.substr(prefix.size(), colon - prefix.size()));
  return v == make_value(index, *version, kValueSize);
}

void readers_and_writers(CommitMode mode) {
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  Options opts = small_options(mode);
  opts.flush_interval = std::chrono::microseconds(1000);
  auto db = open_ok(dir.path(), opts);
  constexpr int kWriters = 4, kReaders = 4, kKeys = 16, kWritesEach = 200;
  constexpr std::uint64_t kMinReadsEach = 300;
  std::atomic<int> writers_done{0}, readers_ready{0};
  std::atomic<std::uint64_t> bad_values{0}, went_back{0}, reads{0}, write_errors{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < kWriters; ++w) {
    pool.emplace_back([&, w] {
      while (readers_ready.load() < kReaders) std::this_thread::yield();  // overlap with reads
      for (int i = 0; i < kWritesEach; ++i) {
        int k = i % kKeys;
        auto version = static_cast<std::uint64_t>(i / kKeys + 1);
        auto index = static_cast<std::uint64_t>(k);
        if (!db->put(wkey(w, k), make_value(index, version, kValueSize)).ok()) {
          write_errors.fetch_add(1);
        }
      }
      writers_done.fetch_add(1);
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    pool.emplace_back([&, r] {
      std::mt19937_64 rng(seed + static_cast<std::uint64_t>(r));
      std::map<std::string, std::uint64_t> last_seen;
      readers_ready.fetch_add(1);
      for (std::uint64_t n = 0; n < kMinReadsEach || writers_done.load() < kWriters; ++n) {
        int w = static_cast<int>(rng() % kWriters);
        int k = static_cast<int>(rng() % kKeys);
        std::string key = wkey(w, k);
        auto got = db->get(key);
        reads.fetch_add(1);
        if (!got.ok()) {
          if (!got.status().IsNotFound()) bad_values.fetch_add(1);
          if (last_seen.count(key)) went_back.fetch_add(1);  // it was there before
          continue;
        }
        std::uint64_t version = 0;
        if (!parse_value(got.value(), static_cast<std::uint64_t>(k), &version)) {
          bad_values.fetch_add(1);
          continue;
        }
        auto it = last_seen.find(key);
        if (it != last_seen.end() && version < it->second) went_back.fetch_add(1);
        last_seen[key] = version;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(write_errors.load() == 0);
  CHECK(bad_values.load() == 0);
  CHECK(went_back.load() == 0);
  CHECK(reads.load() >= kReaders * kMinReadsEach);
  const auto final_version = static_cast<std::uint64_t>((kWritesEach - 1) / kKeys + 1);
  for (int w = 0; w < kWriters; ++w) {
    for (int k = 0; k < kKeys; ++k) {
      auto index = static_cast<std::uint64_t>(k);
      // Key k's last write is the last i < kWritesEach with i % kKeys == k.
      std::uint64_t last_i = static_cast<std::uint64_t>(kWritesEach - 1) -
                             (static_cast<std::uint64_t>(kWritesEach - 1 - k) % kKeys);
      std::uint64_t version = last_i / kKeys + 1;
      CHECK(version <= final_version);
      CHECK(get_or_marker(*db, wkey(w, k)) == make_value(index, version, kValueSize));
    }
  }
  CHECK(db->stats().last_lsn == kWriters * kWritesEach);
}

TEST_CASE("concurrent readers and writers see well-formed values that never go back - sync") {
  readers_and_writers(CommitMode::kSync);
}

TEST_CASE("concurrent readers and writers see well-formed values that never go back - async") {
  readers_and_writers(CommitMode::kAsync);
}

TEST_CASE("sync mode readers never see a value before it is durable") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  hooks->delay(IoOp::kSync, std::chrono::microseconds(3000));  // a wide window to peek into
  Options opts = small_options(CommitMode::kSync);
  opts.io_hooks = hooks;
  auto db = open_ok(dir.path(), opts);
  constexpr int kWrites = 30;
  std::atomic<bool> writer_done{false};
  std::atomic<int> write_errors{0}, early{0}, observed{0};
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      if (!db->put(make_key(static_cast<std::uint64_t>(i)), "v").ok()) write_errors.fetch_add(1);
    }
    writer_done = true;
  });
  std::thread reader([&] {
    for (int i = 0; i < kWrites; ++i) {
      std::string key = make_key(static_cast<std::uint64_t>(i));
      for (;;) {
        bool was_done = writer_done.load();
        if (db->get(key).ok()) {
          observed.fetch_add(1);
          // Single writer from a fresh DB: key i has LSN i + 1. Visible means durable.
          if (db->durable_lsn() < static_cast<Lsn>(i + 1)) early.fetch_add(1);
          break;
        }
        if (was_done) break;  // the write failed; reported through write_errors
        std::this_thread::yield();
      }
    }
  });
  writer.join();
  reader.join();
  CHECK(write_errors.load() == 0);
  CHECK(observed.load() == kWrites);
  CHECK(early.load() == 0);
}

TEST_CASE("a sync write stays invisible while its fsync is in flight") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  Options opts = small_options(CommitMode::kSync);
  opts.io_hooks = hooks;
  auto db = open_ok(dir.path(), opts);
  REQUIRE(db->put("warm-up", "w").ok());
  hooks->delay(IoOp::kSync, std::chrono::microseconds(200000));  // 200 ms fsync
  std::atomic<bool> done{false}, put_ok{false};
  std::thread writer([&] {
    put_ok = db->put("slow", "s").ok();
    done = true;
  });
  // Sample while the writer is inside its fsync.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  bool still_writing = !done.load();
  std::string seen = get_or_marker(*db, "slow");
  Lsn durable = db->durable_lsn();
  writer.join();
  REQUIRE(still_writing);
  CHECK(put_ok.load());
  CHECK(seen == "<absent>");
  CHECK(durable == 1);
  CHECK(get_or_marker(*db, "slow") == "s");
}

TEST_CASE("durable_lsn never decreases while writers run") {
  TempDir dir;
  Options opts = small_options(CommitMode::kAsync);
  opts.flush_interval = std::chrono::microseconds(500);
  auto db = open_ok(dir.path(), opts);
  std::atomic<bool> stop{false};
  std::atomic<int> decreases{0};
  std::atomic<int> beyond_last{0};
  std::thread watcher([&] {
    Lsn prev = 0;
    while (!stop.load()) {
      Lsn d = db->durable_lsn();
      if (d < prev) decreases.fetch_add(1);
      prev = d;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      WriteOptions sync_wo;
      sync_wo.mode = CommitMode::kSync;
      for (int i = 0; i < 300; ++i) {
        const WriteOptions& wo = (i % 50 == 0) ? sync_wo : WriteOptions{};
        auto lsn = db->put("t" + std::to_string(t) + "/" + std::to_string(i), "v", wo);
        if (!lsn.ok()) continue;
        if (db->durable_lsn() > db->stats().last_lsn) beyond_last.fetch_add(1);
      }
    });
  }
  for (auto& th : writers) th.join();
  REQUIRE(db->sync().ok());
  stop = true;
  watcher.join();
  CHECK(decreases.load() == 0);
  CHECK(beyond_last.load() == 0);
  CHECK(db->durable_lsn() == 900);
}

TEST_CASE("scans during writes stay ordered and well formed") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options(CommitMode::kAsync));
  for (std::uint64_t i = 0; i < 200; i += 2) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (std::uint64_t round = 1; !stop.load() && round < 50; ++round) {
      for (std::uint64_t i = 0; i < 200; ++i) {
        if (i % 3 == 0) {
          (void)db->del(make_key(i));
        } else {
          (void)db->put(make_key(i), make_value(i, round));
        }
      }
    }
  });
  int bad_order = 0, bad_value = 0, scans = 0;
  for (int s = 0; s < 30; ++s) {
    std::string prev;
    Status st = db->scan(ScanOptions{}, [&](std::string_view k, std::string_view v) {
      if (!prev.empty() && std::string(k) <= prev) ++bad_order;
      prev = std::string(k);
      std::uint64_t index = std::stoull(std::string(k.substr(4)));
      std::uint64_t version = 0;
      std::string value(v);
      std::string want_prefix = "v" + std::to_string(index) + ".";
      if (value.compare(0, want_prefix.size(), want_prefix) != 0) {
        ++bad_value;
      } else {
        version = std::stoull(value.substr(want_prefix.size()));
        if (value != make_value(index, version)) ++bad_value;
      }
      return true;
    });
    CHECK(st.ok());
    ++scans;
  }
  stop = true;
  writer.join();
  CHECK(scans == 30);
  CHECK(bad_order == 0);
  CHECK(bad_value == 0);
}

// Starts `writers` threads running body(writer, rng seeded from seed + writer, options):
// writer 0 writes in sync mode, the others in the database's default. Each counts itself
// in *done when its body returns.
std::vector<std::thread> start_writers(
    int writers, std::uint64_t seed, std::atomic<int>* done,
    const std::function<void(int, std::mt19937_64&, const WriteOptions&)>& body) {
  std::vector<std::thread> pool;
  for (int w = 0; w < writers; ++w) {
    pool.emplace_back([=] {
      std::mt19937_64 rng(seed + static_cast<std::uint64_t>(w));
      WriteOptions wo;
      if (w == 0) wo.mode = CommitMode::kSync;
      body(w, rng, wo);
      done->fetch_add(1);
    });
  }
  return pool;
}

TEST_CASE("checkpoints during writes lose no acknowledged write") {
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  constexpr int kWriters = 3, kKeys = 50, kWritesEach = 600;
  std::vector<std::map<int, std::string>> expect(kWriters);
  {
    Options opts = small_options(CommitMode::kAsync);
    opts.flush_interval = std::chrono::microseconds(1000);
    auto db = open_ok(dir.path(), opts);
    std::atomic<int> done{0};
    auto pool = start_writers(kWriters, seed, &done, [&](int w, std::mt19937_64& rng,
                                                         const WriteOptions& wo) {
      for (int i = 0; i < kWritesEach; ++i) {
        int k = static_cast<int>(rng() % kKeys);
        std::string value = make_value(static_cast<std::uint64_t>(k),
                                       static_cast<std::uint64_t>(i), 200);
        if (db->put(wkey(w, k), value, wo).ok()) expect[static_cast<std::size_t>(w)][k] = value;
      }
    });
    int checkpoints = 0;
    Lsn prev_cp = 0;
    while (done.load() < kWriters) {
      auto cp = db->checkpoint();
      INFO(cp.status().ToString());
      REQUIRE(cp.ok());
      CHECK(cp.value() >= prev_cp);
      CHECK(db->durable_lsn() >= cp.value());
      prev_cp = cp.value();
      ++checkpoints;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& th : pool) th.join();
    CHECK(checkpoints >= 1);
    // A checkpoint with nothing new since the last one may return without a new snapshot.
    CHECK(db->stats().checkpoints >= 1);
    CHECK(db->stats().checkpoints <= static_cast<std::uint64_t>(checkpoints));
    CHECK(db->stats().snapshot_lsn == prev_cp);
  }
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn == kWriters * kWritesEach);
  for (int w = 0; w < kWriters; ++w) {
    for (const auto& [k, v] : expect[static_cast<std::size_t>(w)]) {
      CHECK(get_or_marker(*db, wkey(w, k)) == v);
    }
  }
}

TEST_CASE("each checkpoint's snapshot holds exactly the writes up to its LSN") {
  // The checkpoint copies the index shard by shard while writers go on (index_cut.h); a
  // shard copied after a writer changed it would put a write newer than the snapshot's LSN
  // into it, which a crash that then lost that write from the WAL would turn into a hole.
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  constexpr int kWriters = 3, kKeys = 40, kOpsEach = 1500;
  struct Op {
    Lsn lsn;
    std::string key;
    std::optional<std::string> value;  // nullopt: a delete
  };
  std::vector<std::vector<Op>> ops(kWriters);
  std::vector<std::pair<Lsn, SnapshotMap>> snapshots;
  {
    Options opts = small_options(CommitMode::kAsync);
    opts.checkpoint_wal_bytes = 0;  // only this test's checkpoints, so each file stays put
    auto db = open_ok(dir.path(), opts);
    std::atomic<int> done{0};
    auto pool = start_writers(kWriters, seed, &done, [&](int w, std::mt19937_64& rng,
                                                         const WriteOptions& wo) {
      auto& mine = ops[static_cast<std::size_t>(w)];
      for (int i = 0; i < kOpsEach; ++i) {
        const std::string key = wkey(w, static_cast<int>(rng() % kKeys));
        if (rng() % 4 == 0) {
          auto r = db->del(key, wo);
          if (!r.ok()) return;  // counted below: Catch assertions are not for other threads
          mine.push_back({r.value(), key, std::nullopt});
        } else {
          std::string value = make_value(static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(i));
          auto r = db->put(key, value, wo);
          if (!r.ok()) return;
          mine.push_back({r.value(), key, std::move(value)});
        }
      }
    });
    const FileSystem fs(nullptr);
    while (done.load() < kWriters) {
      auto cp = db->checkpoint();
      REQUIRE(cp.ok());
      // Nothing new since the last snapshot (or no write yet): no new file.
      if (cp.value() == (snapshots.empty() ? 0 : snapshots.back().first)) continue;
      Lsn lsn = 0;
      SnapshotMap contents;
      const std::string path = dir.path() + "/" + format::snapshot_file_name(cp.value());
      const Status s = load_snapshot(fs, path, &lsn, &contents);
      INFO(s.ToString());
      REQUIRE(s.ok());
      CHECK(lsn == cp.value());
      snapshots.emplace_back(lsn, std::move(contents));
    }
    for (auto& th : pool) th.join();
  }
  std::vector<Op> all;
  for (const auto& w : ops) CHECK(w.size() == static_cast<std::size_t>(kOpsEach));
  for (auto& w : ops) all.insert(all.end(), w.begin(), w.end());
  std::sort(all.begin(), all.end(), [](const Op& a, const Op& b) { return a.lsn < b.lsn; });
  CHECK(snapshots.size() >= 2);
  for (const auto& [lsn, contents] : snapshots) {
    INFO("snapshot at LSN " << lsn);
    SnapshotMap expected;
    for (const Op& op : all) {
      if (op.lsn > lsn) break;
      if (op.value) {
        expected[op.key] = *op.value;
      } else {
        expected.erase(op.key);
      }
    }
    CHECK(contents == expected);
  }
}

TEST_CASE("an fsync error with several sync writers fails them all and keeps acknowledged writes") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  // Fail from the 20th WAL fsync on (writers are well under way by then).
  hooks->fail(IoOp::kSync, EIO, "wal-", 20);
  constexpr int kThreads = 4;
  std::vector<std::vector<int>> acked(kThreads);
  std::vector<Status> first_error(kThreads);
  std::atomic<int> acked_not_durable{0};
  {
    Options opts = small_options(CommitMode::kSync);
    opts.io_hooks = hooks;
    auto db = open_ok(dir.path(), opts);
    std::vector<std::thread> pool;
    for (int t = 0; t < kThreads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0; i < 1000; ++i) {
          auto lsn = db->put(wkey(t, i), "v");
          if (!lsn.ok()) {
            first_error[static_cast<std::size_t>(t)] = lsn.status();
            return;
          }
          if (db->durable_lsn() < lsn.value()) acked_not_durable.fetch_add(1);
          acked[static_cast<std::size_t>(t)].push_back(i);
        }
      });
    }
    for (auto& th : pool) th.join();
    CHECK(db->stats().failed);
    CHECK(hooks->failures_injected() >= 1);
    hooks->disarm();
    CHECK(db->put("after", "x").status().IsFailed());
  }
  CHECK(acked_not_durable.load() == 0);
  for (int t = 0; t < kThreads; ++t) {
    const Status& e = first_error[static_cast<std::size_t>(t)];
    INFO("thread " << t << ": " << e.ToString());
    CHECK_FALSE(e.ok());
    CHECK((e.IsFailed() || (e.IsIOError() && e.sys_errno() == EIO)));
  }
  auto db = open_ok(dir.path(), small_options());
  for (int t = 0; t < kThreads; ++t) {
    for (int i : acked[static_cast<std::size_t>(t)]) CHECK(get_or_marker(*db, wkey(t, i)) == "v");
  }
}

}  // namespace
}  // namespace walkv::test
