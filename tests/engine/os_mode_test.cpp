// The os commit mode: an acknowledged write is in the log file (the kernel has it) before
// put() returns, so a process crash cannot lose it; only a power cut can, until the
// flusher's fdatasync. Each rule is checked against async, which breaks it, so that a test
// that stopped exercising the mode would fail rather than pass quietly.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger.h"
#include "power_cut.h"
#include "power_cut_util.h"
#include "test_util.h"

namespace walkv::test {
namespace {

// The flusher never runs on its own, and the log buffer holds more than a test writes (no
// back-pressure flush): whatever reaches the file got there by a hand-off. An hour, not
// seconds: under a sanitizer the checks between puts (each reads the log files back) can
// take longer than idle_flusher_options' ten seconds.
Options big_buffer_idle_flusher(CommitMode mode) {
  Options o = idle_flusher_options(mode);
  o.flush_interval = std::chrono::hours(1);
  o.segment_bytes = std::uint64_t{16} << 20;
  o.log_buffer_bytes = std::size_t{8} << 20;
  o.flush_bytes = o.log_buffer_bytes;
  return o;
}

// The LSNs of the records in the directory's log files, read through fresh descriptors.
std::vector<Lsn> lsns_in_files(const std::string& dir) {
  std::vector<Lsn> out;
  for (const RecordLoc& r : log_records(dir)) out.push_back(r.lsn);
  return out;
}

TEST_CASE("an os write is in the log file when put returns, before any fdatasync") {
  TempDir dir;
  auto db = open_ok(dir.path(), big_buffer_idle_flusher(CommitMode::kOs));
  const std::uint64_t fsyncs_at_open = db->stats().fsyncs;
  for (std::uint64_t i = 1; i <= 20; ++i) {
    auto lsn = db->put(make_key(i), make_value(i, 0));
    REQUIRE(lsn.ok());
    INFO("put " << i << " lsn " << *lsn);
    const std::vector<Lsn> in_file = lsns_in_files(dir.path());
    REQUIRE_FALSE(in_file.empty());
    CHECK(in_file.back() == *lsn);
    CHECK(db->get(make_key(i)).value() == make_value(i, 0));  // visible when acknowledged
    const Stats st = db->stats();
    CHECK(st.written_lsn == *lsn);
    CHECK(st.durable_lsn < *lsn);
    CHECK(st.fsyncs == fsyncs_at_open);
  }
  CHECK(db->stats().hand_offs >= 1);
}

TEST_CASE("the flusher makes os writes durable, and the durability calls see it") {
  TempDir dir;
  Options o = small_options(CommitMode::kOs);  // 2 ms flush interval
  auto db = open_ok(dir.path(), o);
  std::atomic<int> fired{0};
  WriteOptions wo;
  wo.on_durable = [&](const Status& s) { fired += s.ok() ? 1 : 100; };
  Lsn last = 0;
  for (int i = 0; i < 50; ++i) {
    auto lsn = db->put(make_key(i), make_value(i, 1), wo);
    REQUIRE(lsn.ok());
    last = *lsn;
  }
  auto future = db->durable_future(last);
  CHECK(db->wait_durable(last, std::chrono::seconds(10)).ok());
  CHECK(future.get().ok());
  CHECK(db->durable_lsn() >= last);
  CHECK(eventually([&] { return fired.load() == 50; }));
  CHECK(db->stats().fsyncs >= 1);
}

TEST_CASE("an async write is not in the log file when put returns") {
  TempDir dir;
  auto db = open_ok(dir.path(), big_buffer_idle_flusher(CommitMode::kAsync));
  auto lsn = db->put("k", "v");
  REQUIRE(lsn.ok());
  for (Lsn l : lsns_in_files(dir.path())) CHECK(l < *lsn);
}

TEST_CASE("a write's mode overrides the database's default in both directions") {
  WriteOptions os;
  os.mode = CommitMode::kOs;
  WriteOptions async;
  async.mode = CommitMode::kAsync;
  SECTION("os writes in an async database") {
    TempDir dir;
    auto db = open_ok(dir.path(), big_buffer_idle_flusher(CommitMode::kAsync));
    auto a = db->put("a", "1");
    auto b = db->put("b", "2", os);
    REQUIRE((a.ok() && b.ok()));
    // The hand-off writes every earlier record too, in log order.
    CHECK(lsns_in_files(dir.path()) == std::vector<Lsn>{*a, *b});
  }
  SECTION("async writes in an os database") {
    TempDir dir;
    auto db = open_ok(dir.path(), big_buffer_idle_flusher(CommitMode::kOs));
    auto a = db->put("a", "1");
    auto b = db->put("b", "2", async);
    REQUIRE((a.ok() && b.ok()));
    CHECK(lsns_in_files(dir.path()) == std::vector<Lsn>{*a});
  }
}

// A child writes in `mode` from four threads until SIGKILLed after a seeded number of
// acknowledgements; returns the keys it acknowledged and the reopened database.
struct Killed {
  std::vector<std::string> acked;
  std::unique_ptr<DB> db;
};

Killed write_and_kill(const std::string& dir, CommitMode mode, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::uint64_t kill_after = 50 + rng() % 100;
  Pipe acks;  // one line per acknowledged key
  const pid_t pid = fork_child([&] {
    acks.close_read();
    auto db = DB::open(dir, big_buffer_idle_flusher(mode));
    if (!db.ok()) return 10;
    DB* raw = db.value().get();
    std::mutex pipe_mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (std::uint64_t i = 0;; ++i) {
          const std::string key = "t" + std::to_string(t) + "/" + make_key(i);
          if (!raw->put(key, make_value(i, static_cast<std::uint64_t>(t))).ok()) return;
          std::lock_guard lk(pipe_mu);
          if (!acks.write_all(key + "\n")) return;
        }
      });
    }
    for (auto& th : threads) th.join();
    return 11;
  });
  acks.close_write();
  Killed k;
  std::string buf;
  while (k.acked.size() < kill_after) {
    const std::string more = acks.read_n(1);
    REQUIRE(more.size() == 1);
    if (more[0] == '\n') {
      k.acked.push_back(std::move(buf));
      buf.clear();
    } else {
      buf += more;
    }
  }
  ::kill(pid, SIGKILL);
  CHECK(wait_child(pid) == 128 + SIGKILL);
  // Lines completed before the kill landed are acknowledged too.
  const std::string rest = buf + acks.read_to_eof();
  std::size_t start = 0;
  for (std::size_t nl; (nl = rest.find('\n', start)) != std::string::npos; start = nl + 1)
    k.acked.push_back(rest.substr(start, nl - start));
  k.db = open_ok(dir, small_options());
  return k;
}

std::size_t missing(DB& db, const std::vector<std::string>& keys) {
  std::size_t n = 0;
  for (const auto& key : keys) n += db.get(key).ok() ? 0 : 1;
  return n;
}

TEST_CASE("a SIGKILL loses no acknowledged os write, and does lose async ones") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  {
    TempDir dir;
    Killed k = write_and_kill(dir.path(), CommitMode::kOs, seed);
    CAPTURE(k.acked.size());
    CHECK(missing(*k.db, k.acked) == 0);
  }
  {  // The control: with the flusher idle, async acknowledgements are only in memory.
    TempDir dir;
    Killed k = write_and_kill(dir.path(), CommitMode::kAsync, seed);
    CAPTURE(k.acked.size());
    CHECK(missing(*k.db, k.acked) == k.acked.size());
  }
}

// Writes `n` os puts in a child that logs its I/O to the ledger, optionally sync()s, and
// _exits without closing; then the worst power cut the simulator draws. Returns how many of
// the puts survive.
std::size_t os_puts_through_power_cut(std::size_t n, bool sync_first, std::uint64_t seed) {
  TempDir tmp;
  const std::string dir = tmp.sub("db"), shadow = tmp.sub("shadow");
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  REQUIRE(::mkdir(shadow.c_str(), 0755) == 0);
  crash::SharedRegion region;
  REQUIRE(region.create(std::size_t{64} << 20).empty());
  Options o = big_buffer_idle_flusher(CommitMode::kOs);
  o.io_hooks = std::make_shared<crash::TrialLedgerHooks>(region.data(), region.size(), shadow,
                                                    /*undo_data=*/true, std::nullopt);
  const bool ok = run_and_crash(dir, o, [&](DB& db) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!db.put(make_key(i), make_value(i, seed)).ok()) return false;
    }
    return !sync_first || db.sync().ok();
  });
  REQUIRE(ok);
  (void)worst_power_cut(region, dir, shadow, seed);
  auto db = open_ok(dir, small_options());
  std::size_t present = 0;
  for (std::size_t i = 0; i < n; ++i) present += db->get(make_key(i)).ok() ? 1 : 0;
  return present;
}

TEST_CASE("a power cut can lose os writes until an fdatasync covers them") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  CHECK(os_puts_through_power_cut(40, /*sync_first=*/true, seed) == 40);
  CHECK(os_puts_through_power_cut(40, /*sync_first=*/false, seed) == 0);
}

// A writer's os records span several segments, none of them fdatasynced, when it is
// killed; a second process recovers and exits without closing; then the power fails. Every
// LSN the recovery reported durable must survive — in every segment, not only the tail.
TEST_CASE("a recovery after os writes makes every segment durable, not only the tail") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  TempDir tmp;
  const std::string dir = tmp.sub("db"), shadow = tmp.sub("shadow");
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  REQUIRE(::mkdir(shadow.c_str(), 0755) == 0);
  crash::SharedRegion region;
  REQUIRE(region.create(std::size_t{64} << 20).empty());
  auto ledger = [&] {
    return std::make_shared<crash::TrialLedgerHooks>(region.data(), region.size(), shadow,
                                                /*undo_data=*/true, std::nullopt);
  };
  Options o = big_buffer_idle_flusher(CommitMode::kOs);
  // The flusher wakes once, when 200 KiB have been written, and syncs what it finds: the
  // rest of the first segment and all of the second stay in the page cache.
  o.segment_bytes = 256 * 1024;
  o.log_buffer_bytes = 200 * 1024;
  o.flush_bytes = o.log_buffer_bytes;
  o.io_hooks = ledger();
  std::mt19937_64 rng(seed);
  const std::size_t n = 300 + rng() % 80;  // 1 KiB records: two segments
  REQUIRE(run_and_crash(dir, o, [&](DB& db) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!db.put(make_key(i), make_value(i, seed, 1000)).ok()) return false;
    }
    return true;
  }));
  Lsn reported = 0;
  Options second = small_options();
  second.io_hooks = ledger();
  Pipe out;
  REQUIRE(run_and_crash(dir, second, [&](DB& db) {
    return out.write_all(std::to_string(db.durable_lsn()));
  }));
  out.close_write();
  reported = std::stoull(out.read_to_eof());
  CHECK(reported == n);
  (void)worst_power_cut(region, dir, shadow, seed);
  auto db = open_ok(dir, small_options());
  for (std::size_t i = 0; i < reported; ++i) {
    INFO("key " << i << " of " << reported << " reported durable");
    CHECK(get_or_marker(*db, make_key(i)) == make_value(i, seed, 1000));
  }
}

}  // namespace
}  // namespace walkv::test
