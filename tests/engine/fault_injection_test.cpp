// I/O errors through the IoHooks seam: an fsync error (EIO) or a write error (ENOSPC) fails
// the writers waiting on it, latches the DB (stats().failed, later writes Failed), is never
// reported durable, and a reopen recovers everything that was acknowledged. A ledger of
// the I/O the engine did checks that nothing is acknowledged before its fsync completed.
#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/sync_ledger.h"
#include "test_util.h"
#include "walkv/write_batch.h"

namespace walkv::test {
namespace {

// Options with `hooks` installed.
Options hooked(CommitMode mode, const std::shared_ptr<IoHooks>& hooks,
               IoBackend backend = IoBackend::kAuto) {
  Options o = small_options(mode);
  o.io_hooks = hooks;
  o.io_backend = backend;
  return o;
}

bool is_error_with(const Status& s, int err) {
  return !s.ok() && (s.IsFailed() || (s.IsIOError() && s.sys_errno() == err));
}

TEST_CASE("the hooks see the engine's WAL writes and syncs") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  auto db = open_ok(dir.path(), hooked(CommitMode::kSync, hooks));
  std::uint64_t syncs = hooks->count(IoOp::kSync);
  REQUIRE(db->put("k", "v").ok());
  CHECK(hooks->count(IoOp::kWrite) >= 1);
  CHECK(hooks->count(IoOp::kSync) > syncs);
}

// Sync mode: the write whose fsync (or write) fails gets the error and stays invisible;
// the DB latches; earlier data stays readable and survives reopen.
void sync_mode_error(IoOp op, int err) {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  {
    auto db = open_ok(dir.path(), hooked(CommitMode::kSync, hooks));
    for (std::uint64_t i = 0; i < 10; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());
    REQUIRE(db->durable_lsn() == 10);
    hooks->fail(op, err);
    auto bad = db->put("doomed", "x");
    REQUIRE_FALSE(bad.ok());
    INFO(bad.status().ToString());
    // The writer's own I/O failed (IOError with the errno), or an engine thread's I/O on
    // the WAL failed first and latched the DB (Failed).
    CHECK(is_error_with(bad.status(), err));
    CHECK(hooks->failures_injected() >= 1);
    Stats st = db->stats();
    CHECK(st.failed);
    CHECK(st.durable_lsn == 10);
    CHECK(db->durable_lsn() == 10);
    // Sync writes become visible only once durable; this one never did.
    CHECK(get_or_marker(*db, "doomed") == "<absent>");
    // The failure is latched even though the hook would now let I/O through.
    hooks->disarm();
    auto later = db->put("later", "y");
    REQUIRE_FALSE(later.ok());
    CHECK(later.status().IsFailed());
    WriteBatch b;
    b.put("later-batch", "z");
    CHECK(db->write(b).status().IsFailed());
    CHECK(db->del(make_key(0)).status().IsFailed());
    // sync() cannot make anything more durable; it reports the latched error.
    CHECK_FALSE(db->sync().ok());
    // Reads keep working.
    CHECK(get_or_marker(*db, make_key(3)) == make_value(3, 0));
    CHECK(db->durable_lsn() == 10);
  }
  auto db = open_ok(dir.path(), small_options());
  for (std::uint64_t i = 0; i < 10; ++i) CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0));
  CHECK(get_or_marker(*db, "later") == "<absent>");
  CHECK_FALSE(db->stats().failed);
  // "doomed" was never acknowledged: it may or may not have reached the disk.
  auto next = db->put("after-reopen", "ok");
  REQUIRE(next.ok());
  CHECK(next.value() == db->stats().recovery.last_lsn + 1);
}

TEST_CASE("an fsync error (EIO) in sync mode fails the writer and latches the DB") {
  sync_mode_error(IoOp::kSync, EIO);
}

TEST_CASE("a write error (ENOSPC) in sync mode fails the writer and latches the DB") {
  sync_mode_error(IoOp::kWrite, ENOSPC);
}

// Async mode: acknowledged-but-not-durable writes are failed through every notification
// path and never reported durable.
void async_mode_error(IoOp op, int err, IoBackend backend) {
  if (backend == IoBackend::kUring && !uring_available()) {
    WARN("io_uring cannot be set up here; not exercised");
    return;
  }
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  Options opts = hooked(CommitMode::kAsync, hooks, backend);
  opts.flush_interval = std::chrono::seconds(10);  // only sync() flushes
  opts.flush_bytes = opts.log_buffer_bytes;
  struct Seen {
    std::mutex mu;
    std::map<Lsn, std::vector<Status>> calls;
  };
  auto seen = std::make_shared<Seen>();
  {
    auto db = open_ok(dir.path(), opts);
    for (std::uint64_t i = 0; i < 5; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());
    auto d = db->sync();
    REQUIRE(d.ok());
    REQUIRE(d.value() == 5);
    hooks->fail(op, err);
    std::vector<Lsn> pending;
    for (std::uint64_t i = 5; i < 10; ++i) {
      WriteOptions wo;
      wo.on_durable = [seen, i](const Status& s) {
        std::lock_guard<std::mutex> lock(seen->mu);
        seen->calls[i + 1].push_back(s);
      };
      auto lsn = db->put(make_key(i), make_value(i, 0), wo);
      REQUIRE(lsn.ok());  // async: acknowledged into the buffer
      REQUIRE(lsn.value() == i + 1);
      pending.push_back(lsn.value());
    }
    auto fut = db->durable_future(pending[2]);
    auto s = db->sync();
    REQUIRE_FALSE(s.ok());
    INFO(s.status().ToString());
    CHECK(is_error_with(s.status(), err));
    CHECK(hooks->failures_injected() >= 1);
    CHECK(db->stats().failed);
    CHECK(db->durable_lsn() == 5);

    Status w = db->wait_durable(pending.back(), std::chrono::milliseconds(2000));
    CHECK_FALSE(w.ok());
    CHECK_FALSE(w.IsTimedOut());
    REQUIRE(fut.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK_FALSE(fut.get().ok());
    Status when_status = Status::OK();
    bool when_called = false;
    std::mutex when_mu;
    db->when_durable(pending[1], [&](const Status& st) {
      std::lock_guard<std::mutex> lock(when_mu);
      when_called = true;
      when_status = st;
    });
    CHECK(eventually([&] {
      std::lock_guard<std::mutex> lock(when_mu);
      return when_called;
    }));
    {
      std::lock_guard<std::mutex> lock(when_mu);
      CHECK_FALSE(when_status.ok());
    }
    CHECK(eventually([&] {
      std::lock_guard<std::mutex> lock(seen->mu);
      return seen->calls.size() == 5;
    }));
    hooks->disarm();
    CHECK(db->put("later", "y").status().IsFailed());
    CHECK(db->durable_lsn() == 5);
    // A durable LSN that was reached before the failure still reports OK.
    CHECK(db->wait_durable(5, std::chrono::milliseconds(100)).ok());
  }
  {
    std::lock_guard<std::mutex> lock(seen->mu);
    for (const auto& [lsn, calls] : seen->calls) {
      INFO("on_durable of LSN " << lsn);
      REQUIRE(calls.size() == 1);  // exactly once, even across close
      CHECK_FALSE(calls[0].ok());
    }
  }
  auto db = open_ok(dir.path(), small_options());
  for (std::uint64_t i = 0; i < 5; ++i) CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0));
  CHECK(get_or_marker(*db, "later") == "<absent>");
}

TEST_CASE("an fsync error (EIO) in async mode fails pending writes - posix backend") {
  async_mode_error(IoOp::kSync, EIO, IoBackend::kPosix);
}

TEST_CASE("an fsync error (EIO) in async mode fails pending writes - io_uring backend") {
  async_mode_error(IoOp::kSync, EIO, IoBackend::kUring);
}

TEST_CASE("a write error (ENOSPC) in async mode fails pending writes - posix backend") {
  async_mode_error(IoOp::kWrite, ENOSPC, IoBackend::kPosix);
}

TEST_CASE("a write error (ENOSPC) in async mode fails pending writes - io_uring backend") {
  async_mode_error(IoOp::kWrite, ENOSPC, IoBackend::kUring);
}

TEST_CASE("an fsync error reached by the background flusher latches the DB") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  Options opts = hooked(CommitMode::kAsync, hooks);
  opts.flush_interval = std::chrono::microseconds(1000);
  auto db = open_ok(dir.path(), opts);
  REQUIRE(db->put("a", "1").ok());
  REQUIRE(db->wait_durable(1, std::chrono::seconds(5)).ok());
  hooks->fail(IoOp::kSync, EIO);
  auto lsn = db->put("b", "2");
  REQUIRE(lsn.ok());
  // Nobody calls sync(): the flusher finds the error on its own.
  CHECK(eventually([&] { return db->stats().failed; }));
  Status w = db->wait_durable(lsn.value(), std::chrono::seconds(2));
  CHECK_FALSE(w.ok());
  CHECK_FALSE(w.IsTimedOut());
  CHECK(db->durable_lsn() == 1);
  CHECK(db->put("c", "3").status().IsFailed());
}

TEST_CASE("a short write either carries on correctly or fails the DB") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  std::vector<std::uint64_t> acked;
  {
    auto db = open_ok(dir.path(), hooked(CommitMode::kSync, hooks));
    for (std::uint64_t i = 0; i < 5; ++i) {
      REQUIRE(db->put(make_key(i), make_value(i, 0, 300)).ok());
      acked.push_back(i);
    }
    hooks->short_write_once();
    for (std::uint64_t i = 5; i < 15; ++i) {
      if (!db->put(make_key(i), make_value(i, 0, 300)).ok()) break;
      acked.push_back(i);
    }
    CHECK(hooks->short_writes_injected() == 1);
    if (acked.size() < 15) CHECK(db->stats().failed);
  }
  auto db = open_ok(dir.path(), small_options());
  for (auto i : acked) CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, 300));
}

TEST_CASE("a directory fsync error for a new segment fails writes before they are acknowledged") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  std::uint64_t acked = 0;
  Status error;
  {
    auto db = open_ok(dir.path(), hooked(CommitMode::kSync, hooks));
    hooks->fail(IoOp::kDirSync, EIO, "");
    // ~5 segments' worth of records: the log must enter a segment created after the hook.
    for (std::uint64_t i = 0; i < 320; ++i) {
      auto r = db->put(make_key(i), make_value(i, 0, 2000));
      if (!r.ok()) {
        error = r.status();
        break;
      }
      ++acked;
    }
    INFO("acknowledged " << acked << " writes, then: " << error.ToString());
    CHECK_FALSE(error.ok());
    CHECK(db->stats().failed);
  }
  auto db = open_ok(dir.path(), small_options());
  for (std::uint64_t i = 0; i < acked; ++i) {
    CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, 2000));
  }
}

// ---------------------------------------------------------------------------------------
// The durability ledger (LedgerHooks, common/sync_ledger.h): what completed fsyncs made durable.

TEST_CASE("a sync write is acknowledged only after an fsync covering it completed") {
  TempDir dir;
  auto ledger = std::make_shared<LedgerHooks>();
  auto db = open_ok(dir.path(), hooked(CommitMode::kSync, ledger));
  for (std::uint64_t i = 0; i < 60; ++i) {
    auto lsn = db->put(make_key(i), make_value(i, 0, 3000));  // crosses a segment boundary
    REQUIRE(lsn.ok());
    INFO("LSN " << lsn.value());
    REQUIRE(ledger->covered_through(1) >= lsn.value());
  }
}

void durable_lsn_backed_by_ledger(IoBackend backend) {
  if (backend == IoBackend::kUring && !uring_available()) {
    WARN("io_uring cannot be set up here; not exercised");
    return;
  }
  TempDir dir;
  auto ledger = std::make_shared<LedgerHooks>();
  Options opts = hooked(CommitMode::kAsync, ledger, backend);
  opts.flush_interval = std::chrono::microseconds(500);
  auto db = open_ok(dir.path(), opts);
  Lsn checked = 0;
  for (std::uint64_t i = 0; i < 600; ++i) {
    REQUIRE(db->put(make_key(i), make_value(i, 0, 400)).ok());
    if (i % 50 == 49) {
      Lsn d = db->durable_lsn();
      INFO("durable_lsn " << d);
      CHECK(ledger->covered_through(1) >= d);
      checked = std::max(checked, d);
    }
  }
  auto s = db->sync();
  REQUIRE(s.ok());
  CHECK(s.value() == 600);
  CHECK(ledger->covered_through(1) >= 600);
  CHECK(checked > 0);
}

TEST_CASE("async durable_lsn never runs ahead of completed fsyncs - posix backend") {
  durable_lsn_backed_by_ledger(IoBackend::kPosix);
}

TEST_CASE("async durable_lsn never runs ahead of completed fsyncs - io_uring backend") {
  durable_lsn_backed_by_ledger(IoBackend::kUring);
}

TEST_CASE("the io_uring flusher submits its writes and fsyncs through io_uring") {
  if (!uring_available()) {
    WARN("io_uring cannot be set up here; not exercised");
    return;
  }
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  auto db = open_ok(dir.path(), hooked(CommitMode::kAsync, hooks, IoBackend::kUring));
  for (std::uint64_t i = 0; i < 50; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());
  // Let the flusher do the work (sync() may flush on the calling thread instead).
  REQUIRE(db->wait_durable(50, std::chrono::seconds(5)).ok());
  CHECK(hooks->uring_count(IoOp::kWrite) >= 1);
  CHECK(hooks->uring_count(IoOp::kSync) >= 1);
}

TEST_CASE("the posix flusher does not use io_uring") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  auto db = open_ok(dir.path(), hooked(CommitMode::kAsync, hooks, IoBackend::kPosix));
  for (std::uint64_t i = 0; i < 50; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());
  REQUIRE(db->wait_durable(50, std::chrono::seconds(5)).ok());
  CHECK(hooks->count(IoOp::kWrite) >= 1);
  CHECK(hooks->uring_count(IoOp::kWrite) == 0);
  CHECK(hooks->uring_count(IoOp::kSync) == 0);
}


void async_short_write(IoBackend backend) {
  if (backend == IoBackend::kUring && !uring_available()) {
    WARN("io_uring cannot be set up here; not exercised");
    return;
  }
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  Options opts = hooked(CommitMode::kAsync, hooks, backend);
  opts.flush_interval = std::chrono::microseconds(1000);
  Lsn durable = 0;
  {
    auto db = open_ok(dir.path(), opts);
    for (std::uint64_t i = 0; i < 10; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0, 300)).ok());
    REQUIRE(db->sync().ok());
    hooks->short_write_once();
    for (std::uint64_t i = 10; i < 40; ++i) {
      if (!db->put(make_key(i), make_value(i, 0, 300)).ok()) break;
    }
    auto s = db->wait_durable(db->stats().last_lsn, std::chrono::seconds(5));
    CHECK_FALSE(s.IsTimedOut());
    CHECK(hooks->short_writes_injected() == 1);
    durable = db->durable_lsn();
    if (s.ok()) CHECK_FALSE(db->stats().failed);
  }
  // Whatever was reported durable is there, whole and in order.
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn >= durable);
  for (std::uint64_t i = 0; i < durable; ++i) {
    CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, 300));
  }
}

TEST_CASE("a short write by the posix flusher is completed or fails the DB") {
  async_short_write(IoBackend::kPosix);
}

TEST_CASE("a short write by the io_uring flusher is completed or fails the DB") {
  async_short_write(IoBackend::kUring);
}

TEST_CASE("a writeback error while writing a snapshot fails the checkpoint; the WAL keeps all") {
  // A snapshot is handed to writeback 1 MiB at a time, waiting for the MiB before: waiting
  // consumes the file's write error, so the checkpoint must fail on it rather than leave it
  // for an fdatasync that would no longer see it.
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  constexpr std::uint64_t kKeys = 3000;  // ~3 MB of values: writeback with a wait
  {
    auto db = open_ok(dir.path(), hooked(CommitMode::kAsync, hooks));
    for (std::uint64_t i = 0; i < kKeys; ++i)
      REQUIRE(db->put(make_key(i), make_value(i, 0, 1000)).ok());
    hooks->fail(IoOp::kWriteback, EIO, "snapshot-");
    auto ck = db->checkpoint();
    REQUIRE_FALSE(ck.ok());
    INFO(ck.status().ToString());
    CHECK(ck.status().IsIOError());
    CHECK(ck.status().sys_errno() == EIO);
    CHECK(ck.status().message().find("sync_file_range") != std::string::npos);
    CHECK(hooks->failures_injected() >= 1);
    CHECK(snapshot_files(dir.path()).empty());
    CHECK(db->stats().checkpoints == 0);
    // Not a WAL failure: writes go on.
    CHECK(db->put("after", "ok").ok());
    hooks->disarm();
    const std::uint64_t writebacks = hooks->count(IoOp::kWriteback);
    auto again = db->checkpoint();
    REQUIRE(again.ok());
    CHECK(hooks->count(IoOp::kWriteback) > writebacks);
    CHECK(snapshot_files(dir.path()).size() == 1);
  }
  auto db = open_ok(dir.path(), small_options());
  for (std::uint64_t i = 0; i < kKeys; i += 7)
    CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, 1000));
  CHECK(get_or_marker(*db, "after") == "ok");
}

}  // namespace
}  // namespace walkv::test
