// Engine behaviours the fault suites found, kept as regression tests: each asserts the
// guarantee the engine once broke under that fault (docs/faults.md, "What the suites found in the engine").
#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <algorithm>
#include <string>
#include <utility>

#include "test_util.h"
#include "walkv/io_hooks.h"

namespace walkv::test {
namespace {

// Fails the n-th (1-based) operation of kind `op` whose path contains `part`, once.
class FailNth : public IoHooks {
 public:
  FailNth(IoOp op, std::string part, int n, int err)
      : op_(op), part_(std::move(part)), n_(n), err_(err) {}
  int before(const IoEvent& ev) override {
    if (ev.op != op_ || ev.path.find(part_) == std::string::npos) return 0;
    std::lock_guard lock(mu_);
    return ++seen_ == n_ ? err_ : 0;
  }

 private:
  const IoOp op_;
  const std::string part_;
  const int n_;
  const int err_;
  std::mutex mu_;
  int seen_ = 0;
};

TEST_CASE("a new database whose first segment could not be prepared opens again", "[faults]") {
  // Open writes CONTROL before its first segment exists (no segment yet: the first is 1, the
  // last 0). When preparing that segment fails, nothing raises CONTROL's last segment, and
  // the next open must not take the CONTROL walkv wrote itself for damage: no record was
  // ever acknowledged.
  const std::pair<IoOp, const char*> failures[] = {
      {IoOp::kCreate, "create"}, {IoOp::kFallocate, "fallocate"}, {IoOp::kRename, "rename"}};
  for (const auto& [op, name] : failures) {
    INFO("the first " << name << " of a segment file fails");
    TempDir dir;
    Options o = small_options();
    o.io_hooks = std::make_shared<FailNth>(op, "wal-", 1, EIO);
    (void)DB::open(dir.path(), o);  // fails, or opens with the error latched
    auto again = DB::open(dir.path(), small_options());
    INFO(again.status().ToString());
    CHECK(again.ok());
    if (again.ok()) CHECK((*again)->put("k", "v").ok());
  }
}

TEST_CASE("a writer held back by a full log buffer does not wait for flush_interval",
          "[faults]") {
  // With flush_bytes == log_buffer_bytes (allowed), a record that does not fit must set
  // the flusher going at once, although fewer than flush_bytes are pending (it used to
  // sleep until its deadline).
  TempDir dir;
  Options o = small_options(CommitMode::kAsync);
  o.log_buffer_bytes = 64 * 1024;
  o.flush_bytes = 64 * 1024;
  o.segment_bytes = 1024 * 1024;
  o.flush_interval = std::chrono::seconds(2);
  auto db = open_ok(dir.path(), o);
  const std::string value(10000, 'x');
  double worst_ms = 0;
  for (int i = 0; i < 8; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(db->put(make_key(i), value).ok());
    worst_ms = std::max(
        worst_ms,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  INFO("slowest put: " << worst_ms << " ms (flush_interval 2000 ms)");
  CHECK(worst_ms < 1000);
}

TEST_CASE("a snapshot a checkpoint failed to delete is deleted later",
          "[faults]") {
  // The second checkpoint's unlink of the first snapshot fails: the checkpoint reports the
  // error (its snapshot is in place). A later checkpoint must delete the old file (none
  // used to).
  TempDir dir;
  Options o = small_options();
  {
    Options f = o;
    f.io_hooks = std::make_shared<FailNth>(IoOp::kUnlink, "snapshot-", 1, EIO);
    auto db = open_ok(dir.path(), f);
    REQUIRE(db->put("a", "1").ok());
    REQUIRE(db->checkpoint().ok());
    REQUIRE(db->put("b", "2").ok());
    auto c = db->checkpoint();
    INFO(c.status().ToString());
    CHECK_FALSE(c.ok());
  }
  for (int round = 0; round < 3; ++round) {
    auto db = open_ok(dir.path(), o);
    REQUIRE(db->put(make_key(round), "x").ok());
    REQUIRE(db->checkpoint().ok());
  }
  const auto snapshots = snapshot_files(dir.path());
  for (const auto& s : snapshots) UNSCOPED_INFO("left: " << s);
  CHECK(snapshots.size() == 1);
}

TEST_CASE("acknowledged async writes survive a close after a failed segment preparation",
          "[faults]") {
  // Preparing the next segment fails (ENOSPC from fallocate). The writer that needs it gets
  // the error. The async writes acknowledged before it sit in the log buffer, in the
  // current, preallocated segment; db.h promises that destroying the DB makes every
  // acknowledged write durable, so they must survive (they used to be dropped).
  TempDir dir;
  Options o = small_options(CommitMode::kAsync);
  // Only sync() flushes: every 8th write, so the last writes before the failure are in the
  // buffer when it happens (8 records stay below flush_bytes).
  o.flush_interval = std::chrono::seconds(10);
  o.flush_bytes = 16 * 1024;
  o.io_hooks = std::make_shared<FailNth>(IoOp::kFallocate, "wal-", 2, ENOSPC);
  std::uint64_t acked = 0;
  std::uint64_t durable = 0;
  {
    auto db = open_ok(dir.path(), o);
    for (std::uint64_t i = 0; i < 1000; ++i) {
      auto r = db->put(make_key(i), make_value(i, 0, 1000));
      if (!r.ok()) {
        INFO(r.status().ToString());
        CHECK(r.status().message().find("fallocate") != std::string::npos);
        break;
      }
      acked = i + 1;
      if (acked % 8 == 0) {
        auto s = db->sync();
        REQUIRE(s.ok());
        durable = s.value();
      }
    }
    REQUIRE(acked < 1000);
    REQUIRE(durable < acked);  // some acknowledged writes were still buffered
  }
  auto db = open_ok(dir.path(), small_options());
  INFO(acked << " async writes acknowledged, " << durable << " made durable by sync(); "
             << "recovered through LSN " << db->stats().recovery.last_lsn);
  CHECK(db->stats().recovery.last_lsn == acked);
  std::uint64_t missing = 0;
  for (std::uint64_t i = 0; i < acked; ++i)
    missing += get_or_marker(*db, make_key(i)) == make_value(i, 0, 1000) ? 0 : 1;
  CHECK(missing == 0);
}

}  // namespace
}  // namespace walkv::test
