// A crash in recovery's wake. A writer is killed with records in the page cache that no
// fdatasync covered; a second process recovers, reads durable_lsn() and exits without
// closing; then the power fails. Recovery fdatasyncs the tail segment before it reports
// the durable LSN (docs/design.md, "Recovery", step 4), so every LSN the second process
// reported durable must survive the power cut — the writer's unsynced records included,
// which only that fdatasync made durable.
//
// The power cut is the crash simulator's (tools/crash/power_cut.h) in its worst case:
// every byte and every directory operation not covered by a completed fsync is dropped.
// Both processes append to one I/O ledger, because a power cut takes the page cache
// whoever wrote it: with the ledger of the second process alone, the writer's unsynced
// records would look durable and a recovery that never synced them would pass.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>

#include "ledger.h"
#include "power_cut.h"
#include "power_cut_util.h"
#include "test_util.h"

namespace walkv::test {
namespace {

// Passes every operation on to the ledger, except that once armed, an fdatasync of a WAL
// segment never runs: the calling thread tells the parent and sleeps until the SIGKILL,
// so what the flush wrote before it stays in the page cache only.
class StallSegmentSyncs : public IoHooks {
 public:
  StallSegmentSyncs(std::shared_ptr<IoHooks> ledger, Pipe* stalled)
      : ledger_(std::move(ledger)), stalled_(stalled) {}
  void arm() { armed_.store(true); }

  int before(const IoEvent& ev) override {
    std::uint64_t segment = 0;
    if (armed_.load() && ev.op == IoOp::kSync && segment_number_of(ev.path, &segment)) {
      (void)stalled_->write_all("s");
      for (;;) ::pause();
    }
    return ledger_->before(ev);
  }
  void after(const IoEvent& ev, int result) override { ledger_->after(ev, result); }
  void uring_submit(const UringSqe* sqes, std::size_t n) override {
    ledger_->uring_submit(sqes, n);
  }

 private:
  std::shared_ptr<IoHooks> ledger_;
  Pipe* stalled_;
  std::atomic<bool> armed_{false};
};

struct Scenario {
  std::uint64_t seed = 0;
  std::uint64_t synced = 0;    // records made durable by sync() before the crash
  std::uint64_t unsynced = 0;  // records appended after it; a flush writes them, never syncs
  std::size_t value_size = 0;
  bool tear_last = false;      // damage the last record in the page cache (a torn tail)
};

Scenario draw(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Scenario s;
  s.seed = seed;
  // Up to ~240 KiB synced: the tail is the first, second or third 128 KiB segment.
  s.value_size = 16 + rng() % 4000;
  s.synced = 1 + rng() % 60;
  s.unsynced = 2 + rng() % 6;
  return s;
}

std::string value_for(const Scenario& s, std::uint64_t lsn) {
  return make_value(lsn, s.seed, s.value_size);
}

// The writer's directory after its SIGKILL, with its I/O in `region`. Returns the LSN of
// its last record (written or only buffered).
Lsn crash_writer(const std::string& dir, const std::string& shadow,
                 crash::SharedRegion* region, const Scenario& s) {
  Pipe stalled;
  const pid_t pid = fork_child([&] {
    ::alarm(60);  // a writer that never stalls must not hang the test
    Options o = small_options(CommitMode::kAsync);
    // POSIX: a flush is pwrite, then fdatasync, so the stall leaves written records. (The
    // io_uring flusher asks the hooks about the whole chain before submitting any of it.)
    o.io_backend = IoBackend::kPosix;
    o.flush_bytes = o.log_buffer_bytes;
    o.flush_interval = std::chrono::seconds(10);  // flushes come from sync() and back-pressure
    auto ledger = std::make_shared<crash::TrialLedgerHooks>(region->data(), region->size(), shadow,
                                                       /*undo_data=*/true, std::nullopt);
    auto hooks = std::make_shared<StallSegmentSyncs>(ledger, &stalled);
    o.io_hooks = hooks;
    auto db = DB::open(dir, o);
    if (!db.ok()) return 2;
    for (Lsn lsn = 1; lsn <= s.synced + s.unsynced; ++lsn) {
      if (lsn == s.synced + 1) {
        if (!(*db)->sync().ok()) return 3;
        hooks->arm();
      }
      auto r = (*db)->put(make_key(lsn), value_for(s, lsn));
      if (!r.ok() || *r != lsn) return 4;
    }
    (void)(*db)->sync();  // writes the rest, then stalls in its fdatasync
    return 5;             // it returned: nothing stalled
  });
  stalled.close_write();
  const std::string got = stalled.read_n(1);
  ::kill(pid, SIGKILL);
  const int status = wait_child(pid);
  INFO("writer exit status " << status);
  REQUIRE(got == "s");
  REQUIRE(status == 128 + SIGKILL);
  return s.synced + s.unsynced;
}

// What the second process saw: its durable_lsn() and recovered last LSN.
struct Middle {
  Lsn durable = 0;
  Lsn last = 0;
};

Middle open_and_exit(const std::string& dir, const std::string& shadow,
                     crash::SharedRegion* region) {
  Pipe out;
  Options o = small_options(CommitMode::kSync);
  o.io_hooks = std::make_shared<crash::TrialLedgerHooks>(region->data(), region->size(), shadow,
                                                    /*undo_data=*/true, std::nullopt);
  // Opens, reports, _exits with the DB open: no close, no clean-close CONTROL update.
  const bool ok = run_and_crash(dir, o, [&](DB& db) {
    const std::string line = std::to_string(db.durable_lsn()) + " " +
                             std::to_string(db.stats().recovery.last_lsn) + "\n";
    return out.write_all(line);
  });
  out.close_write();
  const std::string line = out.read_to_eof();
  INFO("second process reported: " << line);
  REQUIRE(ok);
  Middle m;
  std::istringstream in(line);
  REQUIRE(static_cast<bool>(in >> m.durable >> m.last));
  return m;
}

void run(const Scenario& s) {
  CAPTURE(s.seed, s.synced, s.unsynced, s.value_size, s.tear_last);
  TempDir tmp;
  const std::string dir = tmp.sub("db"), shadow = tmp.sub("shadow");
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  REQUIRE(::mkdir(shadow.c_str(), 0755) == 0);
  crash::SharedRegion region;
  REQUIRE(region.create(std::size_t{256} << 20).empty());  // sparse: only what is logged

  const Lsn written = crash_writer(dir, shadow, &region, s);
  std::vector<RecordLoc> records = log_records(dir);
  REQUIRE(!records.empty());
  // The crash left records no fdatasync covered: the ones this test is about.
  REQUIRE(records.back().lsn > s.synced);
  if (s.tear_last) {
    // A torn last record in the page cache: recovery must drop it, keep it aside, and make
    // both the zeroed tail and the rest durable before it reports.
    const RecordLoc& last = records.back();
    flip_bit(last.path, last.offset + kRecordHeaderSize + last.payload_size / 2, 3);
  }

  const Middle m = open_and_exit(dir, shadow, &region);
  CAPTURE(m.durable, m.last, written);
  CHECK(m.durable == m.last);
  // It recovered records the writer never synced (the page cache had them).
  REQUIRE(m.durable > s.synced);
  if (s.tear_last) CHECK(m.durable == records.back().lsn - 1);

  const crash::PowerCutReport cut = worst_power_cut(region, dir, shadow, s.seed);
  INFO("power cut: " << cut.unsynced_writes << " unsynced writes reverted, "
                     << cut.dir_ops_undone << " directory operations undone");

  auto db = DB::open(dir, small_options());
  INFO("open after the power cut: " << (db.ok() ? "OK" : db.status().ToString()));
  REQUIRE(db.ok());
  const RecoveryReport& rep = (*db)->stats().recovery;
  CHECK(rep.last_lsn >= m.durable);
  for (Lsn lsn = 1; lsn <= m.durable; ++lsn) {
    INFO("LSN " << lsn);
    CHECK(get_or_marker(**db, make_key(lsn)) == value_for(s, lsn));
  }
  if (s.tear_last) CHECK_FALSE(dropped_files(dir).empty());  // preserved, durably
}

TEST_CASE("every LSN a recovery reported durable survives its crash and a power cut",
          "[crash][double]") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  for (std::uint64_t round = 0; round < 4; ++round) run(draw(seed * 31 + round));
}

TEST_CASE("a torn tail zeroed by recovery stays zeroed and preserved through a power cut",
          "[crash][double]") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  for (std::uint64_t round = 0; round < 3; ++round) {
    Scenario s = draw(seed * 37 + round);
    s.tear_last = true;
    run(s);
  }
}

}  // namespace
}  // namespace walkv::test
