// Checkpoint durability: checkpoint() returns only once its snapshot survives a power cut.
// The snapshot is written as `.tmp` and fdatasynced before its rename, and the rename is
// made durable by a directory fsync before CONTROL names the snapshot, and so before
// checkpoint() returns (docs/design.md, "Snapshots"). CONTROL's own directory fsync would
// also cover the rename on a file system that commits directory operations in order; the
// snapshot's fsync is what makes it durable where they are not, so the order is checked
// as documented, for a first checkpoint (nothing to retire) and a later one (segments and
// the old snapshot retired after it).
//
// The power-cut half reuses the crash simulator's ledger and rewriter
// (tools/crash/power_cut.h) in its worst case: every byte and every directory operation
// that no completed fsync covers is dropped.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger.h"
#include "power_cut.h"
#include "power_cut_util.h"
#include "test_util.h"

namespace walkv::test {
namespace {

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "snapshot-<LSN in 16 hex digits>.snap" (docs/design.md, "On-disk format").
std::string snapshot_name(Lsn lsn) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "snapshot-%016" PRIx64 ".snap", static_cast<std::uint64_t>(lsn));
  return buf;
}

// Every operation's start and completion, in the order the engine's threads reached the
// hooks. An operation starts after its before() entry and has completed by its after()
// entry, so "after X completed" means a larger index than X's after() entry.
class EventLog : public IoHooks {
 public:
  struct Event {
    bool done = false;  // false: before(); true: after()
    IoOp op = IoOp::kWrite;
    std::string name;   // file name (the directory's own name for kDirSync)
    std::string name2;  // kRename's target
    int result = 0;
    std::thread::id thread;
  };

  int before(const IoEvent& ev) override {
    add(ev, false, 0);
    return 0;
  }
  void after(const IoEvent& ev, int result) override { add(ev, true, result); }

  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }

 private:
  void add(const IoEvent& ev, bool done, int result) {
    Event e;
    e.done = done;
    e.op = ev.op;
    e.name = base_name(ev.path);
    if (ev.path2 != nullptr) e.name2 = base_name(*ev.path2);
    e.result = result;
    e.thread = std::this_thread::get_id();
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
  }

  mutable std::mutex mu_;
  std::vector<Event> events_;
};

std::string describe(const std::vector<EventLog::Event>& ev, std::size_t from, std::size_t to) {
  std::ostringstream out;
  for (std::size_t i = from; i < to && i < ev.size(); ++i) {
    out << i << (ev[i].done ? " done  " : " start ") << io_op_name(ev[i].op) << " "
        << ev[i].name;
    if (!ev[i].name2.empty()) out << " -> " << ev[i].name2;
    if (ev[i].done) out << " = " << ev[i].result;
    out << "\n";
  }
  return out.str();
}

// Checks the documented order for the checkpoint whose events are ev[from, to) and which
// returned `lsn`. `first`: nothing may be retired (no covered segment, no older snapshot).
// Only the checkpointing thread's operations count: the segment preparer may rename, fsync
// the directory and replace CONTROL at the same time, and its fsyncs prove nothing about
// the checkpoint's order.
void check_order(std::vector<EventLog::Event> all, std::size_t from, std::size_t to, Lsn lsn,
                 bool first) {
  std::vector<EventLog::Event> ev;
  for (std::size_t i = from; i < to && i < all.size(); ++i) {
    if (all[i].thread == std::this_thread::get_id()) ev.push_back(std::move(all[i]));
  }
  from = 0;
  to = ev.size();
  const std::string snap = snapshot_name(lsn), tmp = snap + ".tmp";
  INFO("checkpoint at LSN " << lsn << ", its I/O:\n" << describe(ev, from, to));
  constexpr std::size_t kNone = SIZE_MAX;
  auto find = [&](std::size_t start, auto pred) {
    for (std::size_t i = start; i < to; ++i) {
      if (pred(ev[i])) return i;
    }
    return kNone;
  };

  // The snapshot's bytes: every write to the .tmp file completed before the fdatasync that
  // covers them started, and that fdatasync completed before the rename started.
  std::size_t last_write_done = from, sync_start = kNone, sync_done = kNone;
  for (std::size_t i = from; i < to; ++i) {
    const auto& e = ev[i];
    if (e.name != tmp) continue;
    if (e.op == IoOp::kWrite && e.done) last_write_done = i;
    if (e.op == IoOp::kSync && !e.done) sync_start = i;
    if (e.op == IoOp::kSync && e.done && e.result == 0 && sync_start != kNone &&
        sync_start > last_write_done) {
      sync_done = i;
    }
  }
  const std::size_t rename_start = find(from, [&](const auto& e) {
    return e.op == IoOp::kRename && !e.done && e.name == tmp && e.name2 == snap;
  });
  REQUIRE(rename_start != kNone);
  const std::size_t rename_done = find(rename_start, [&](const auto& e) {
    return e.op == IoOp::kRename && e.done && e.name == tmp && e.result == 0;
  });
  REQUIRE(rename_done != kNone);
  INFO("snapshot .tmp fdatasync covering its writes completed at "
       << (sync_done == kNone ? std::string("(none)") : std::to_string(sync_done))
       << ", rename started at " << rename_start);
  CHECK(sync_done != kNone);
  CHECK((sync_done == kNone || sync_done < rename_start));

  // The rename is durable — a directory fsync that started after it completed, and itself
  // completed — before CONTROL is next replaced (CONTROL names the snapshot's LSN).
  const std::size_t control_next = find(rename_done, [](const auto& e) {
    return e.name == "CONTROL.tmp" || e.name2 == "CONTROL";
  });
  REQUIRE(control_next != kNone);  // every checkpoint moves CONTROL's snapshot LSN
  const std::size_t dir_sync_start =
      find(rename_done, [](const auto& e) { return e.op == IoOp::kDirSync && !e.done; });
  std::size_t dir_sync_done = kNone;
  if (dir_sync_start != kNone) {
    dir_sync_done = find(dir_sync_start, [](const auto& e) {
      return e.op == IoOp::kDirSync && e.done && e.result == 0;
    });
  }
  INFO("directory fsync after the rename completed at "
       << (dir_sync_done == kNone ? std::string("(none)") : std::to_string(dir_sync_done))
       << "; CONTROL next touched at " << control_next);
  CHECK(dir_sync_done != kNone);
  CHECK((dir_sync_done == kNone || dir_sync_done < control_next));

  // Retirement — renaming covered segments and older snapshots away, truncating, unlinking —
  // only after the snapshot is durable and CONTROL no longer needs what goes.
  const std::size_t control_done = find(control_next, [](const auto& e) {
    return e.op == IoOp::kRename && e.done && e.name2 == "CONTROL" && e.result == 0;
  });
  REQUIRE(control_done != kNone);
  std::size_t retired = 0;
  for (std::size_t i = from; i < to; ++i) {
    const auto& e = ev[i];
    const bool wal = e.name.rfind("wal-", 0) == 0;
    const bool old_snapshot = e.name.rfind("snapshot-", 0) == 0 && e.name != tmp;
    const bool retiring = (e.op == IoOp::kRename && (wal || old_snapshot)) ||
                          (e.op == IoOp::kUnlink && (wal || old_snapshot)) ||
                          e.op == IoOp::kTruncate;
    if (!retiring || e.done) continue;
    ++retired;
    INFO("retirement step at " << i);
    CHECK(i > control_done);
  }
  if (first) {
    CHECK(retired == 0);
  } else {
    CHECK(retired > 0);
  }
}

TEST_CASE("a checkpoint makes its snapshot durable before CONTROL names it and it returns",
          "[checkpoint][durability]") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  for (const CommitMode mode : {CommitMode::kSync, CommitMode::kAsync}) {
    CAPTURE(mode == CommitMode::kSync ? "sync" : "async");
    TempDir dir;
    auto log = std::make_shared<EventLog>();
    Options o = small_options(mode);
    o.io_hooks = log;
    auto db = open_ok(dir.path(), o);
    const std::size_t n1 = 20 + seed % 30;
    for (std::size_t i = 0; i < n1; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());

    // First checkpoint: a fresh database, its one segment still live, no older snapshot.
    std::size_t from = log->size();
    auto first = db->checkpoint();
    std::size_t to = log->size();
    REQUIRE(first.ok());
    REQUIRE(*first == n1);
    check_order(log->events(), from, to, *first, /*first=*/true);

    // A later one: enough writes to fill segments the checkpoint covers (128 KiB each).
    for (std::size_t i = 0; i < 1000; ++i) {
      REQUIRE(db->put(make_key(i), make_value(i, 1, 300)).ok());
    }
    REQUIRE(db->sync().ok());
    from = log->size();
    auto later = db->checkpoint();
    to = log->size();
    REQUIRE(later.ok());
    check_order(log->events(), from, to, *later, /*first=*/false);
  }
}

// What a crash right after checkpoint() returned, then a power cut, leaves: the recovered
// snapshot is at least the one checkpoint() returned, and every write up to it is there.
void power_cut_after_checkpoint(bool later, std::uint64_t seed) {
  CAPTURE(later, seed);
  TempDir tmp;
  const std::string dir = tmp.sub("db"), shadow = tmp.sub("shadow");
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  REQUIRE(::mkdir(shadow.c_str(), 0755) == 0);
  crash::SharedRegion region;
  REQUIRE(region.create(std::size_t{256} << 20).empty());  // sparse: only what is logged

  const std::uint64_t n = 20 + seed % 40;
  Pipe out;
  const pid_t pid = fork_child([&] {
    Options o = small_options(CommitMode::kAsync);  // the checkpoint must sync the WAL first
    o.io_hooks = std::make_shared<crash::TrialLedgerHooks>(region.data(), region.size(), shadow,
                                                      /*undo_data=*/true, std::nullopt);
    auto db = DB::open(dir, o);
    if (!db.ok()) return 2;
    if (later) {
      // Segments for the checkpoint to cover and a snapshot for it to replace.
      for (std::uint64_t i = 0; i < 1000; ++i) {
        if (!(*db)->put(make_key(i), make_value(i, 0, 300)).ok()) return 3;
      }
      if (!(*db)->checkpoint().ok()) return 4;
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!(*db)->put(make_key(i), make_value(i, seed, 100)).ok()) return 5;
    }
    auto lsn = (*db)->checkpoint();
    if (!lsn.ok()) return 6;
    if (!out.write_all(std::to_string(*lsn) + "\n")) return 7;
    // The crash: _exit with the DB open (no close, no clean-close CONTROL update).
    DB* leaked = std::move(db).value().release();
    (void)leaked;
    return 0;
  });
  out.close_write();
  const std::string reported = out.read_to_eof();
  REQUIRE(wait_child(pid) == 0);
  Lsn lsn = 0;
  std::istringstream(reported) >> lsn;
  REQUIRE(lsn > 0);
  CAPTURE(lsn);

  const crash::PowerCutReport cut = worst_power_cut(region, dir, shadow, seed);
  INFO("power cut: " << cut.unsynced_writes << " unsynced writes reverted, "
                     << cut.dir_ops_undone << " directory operations undone");

  auto db = DB::open(dir, small_options());
  INFO("open after the power cut: " << (db.ok() ? "OK" : db.status().ToString()));
  REQUIRE(db.ok());
  const RecoveryReport& rep = (*db)->stats().recovery;
  CHECK(rep.snapshot_lsn >= lsn);
  CHECK(rep.last_lsn >= lsn);
  for (std::uint64_t i = 0; i < n; ++i) {
    INFO("key " << i);
    CHECK(get_or_marker(**db, make_key(i)) == make_value(i, seed, 100));
  }
}

TEST_CASE("a first checkpoint survives a power cut right after it returns",
          "[checkpoint][durability]") {
  power_cut_after_checkpoint(/*later=*/false, test_seed());
}

TEST_CASE("a later checkpoint, which retires files, survives a power cut right after it "
          "returns",
          "[checkpoint][durability]") {
  power_cut_after_checkpoint(/*later=*/true, test_seed());
}

}  // namespace
}  // namespace walkv::test
