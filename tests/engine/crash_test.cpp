// Crashes: a child process writes and is SIGKILLed at a random moment (the kernel keeps
// what was written), or the files are torn at the byte/sector level the way a power cut
// tears them. After reopen: acknowledged sync writes are all there, what survives is a
// prefix of the LSN order, and every WriteBatch is all-or-nothing.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "test_util.h"
#include "walkv/write_batch.h"

namespace walkv::test {
namespace {

constexpr int kOpsPerBatch = 30;

std::string batch_key(std::uint64_t batch, int op) {
  return "b" + std::to_string(batch) + "/" + std::to_string(op);
}

WriteBatch make_batch(std::uint64_t batch, std::size_t value_size) {
  WriteBatch b;
  for (int op = 0; op < kOpsPerBatch; ++op) {
    b.put(batch_key(batch, op), make_value(batch, static_cast<std::uint64_t>(op), value_size));
  }
  return b;
}

// How many of batch's operations are visible with their values (others must be absent).
int ops_present(DB& db, std::uint64_t batch, std::size_t value_size) {
  int present = 0;
  for (int op = 0; op < kOpsPerBatch; ++op) {
    std::string got = get_or_marker(db, batch_key(batch, op));
    if (got == make_value(batch, static_cast<std::uint64_t>(op), value_size)) {
      ++present;
    } else {
      INFO("batch " << batch << " op " << op);
      CHECK(got == "<absent>");
    }
  }
  return present;
}

// Checks that batches form a whole-batch prefix; returns how many survived.
std::uint64_t surviving_batches(DB& db, std::uint64_t written, std::size_t value_size) {
  std::uint64_t survived = 0;
  bool gap = false;
  for (std::uint64_t b = 0; b < written; ++b) {
    int present = ops_present(db, b, value_size);
    INFO("batch " << b << ": " << present << " of " << kOpsPerBatch << " operations present");
    CHECK((present == 0 || present == kOpsPerBatch));  // all-or-nothing
    if (present == kOpsPerBatch) {
      CHECK_FALSE(gap);  // a prefix: no batch survives after a lost one
      ++survived;
    } else {
      gap = true;
    }
  }
  return survived;
}

void put_u64_msg(Pipe& p, std::uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  p.write_all(std::string_view(buf, 8));
}

bool get_u64_msg(Pipe& p, std::uint64_t* v) {
  std::string s = p.read_n(8);
  if (s.size() != 8) return false;
  std::memcpy(v, s.data(), 8);
  return true;
}

TEST_CASE("acknowledged sync batches survive a SIGKILL whole and in order") {
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  const std::uint64_t kill_after = 20 + rng() % 40;
  CAPTURE(kill_after);
  Pipe acks;
  pid_t pid = fork_child([&]() {
    acks.close_read();
    auto db = DB::open(dir.path(), small_options(CommitMode::kSync));
    if (!db.ok()) return 10;
    for (std::uint64_t b = 0;; ++b) {
      if (!(*db)->write(make_batch(b, 100)).ok()) return 11;
      put_u64_msg(acks, b);  // acknowledged: b and everything before it
    }
  });
  acks.close_write();
  std::uint64_t acked = 0, got = 0;
  bool any = false;
  while (!any || acked < kill_after) {
    REQUIRE(get_u64_msg(acks, &got));
    acked = got;
    any = true;
  }
  ::kill(pid, SIGKILL);
  while (get_u64_msg(acks, &got)) acked = got;  // acks sent before the kill
  CHECK(wait_child(pid) == 128 + SIGKILL);

  auto db = open_ok(dir.path(), small_options());
  std::uint64_t survived = surviving_batches(*db, acked + 3, 100);
  CHECK(survived >= acked + 1);
}

TEST_CASE("acknowledged sync puts from several threads survive a SIGKILL") {
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  constexpr int kThreads = 4;
  Pipe acks;  // messages: thread * 2^32 + index, sent after each put returned OK
  pid_t pid = fork_child([&]() {
    acks.close_read();
    auto db = DB::open(dir.path(), small_options(CommitMode::kSync));
    if (!db.ok()) return 10;
    DB* raw = db.value().get();
    std::mutex pipe_mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (std::uint64_t i = 0;; ++i) {
          std::string key = "t" + std::to_string(t) + "/" + make_key(i);
          if (!raw->put(key, make_value(i, static_cast<std::uint64_t>(t))).ok()) return;
          std::lock_guard<std::mutex> lock(pipe_mu);
          put_u64_msg(acks, (static_cast<std::uint64_t>(t) << 32) | i);
        }
      });
    }
    for (auto& th : threads) th.join();
    return 11;
  });
  acks.close_write();
  std::vector<std::int64_t> max_acked(kThreads, -1);
  std::uint64_t msgs = 0, msg = 0;
  std::mt19937_64 rng(seed);
  const std::uint64_t kill_after = 100 + rng() % 100;
  while (msgs < kill_after && get_u64_msg(acks, &msg)) {
    ++msgs;
    auto t = static_cast<std::size_t>(msg >> 32);
    max_acked[t] = std::max<std::int64_t>(max_acked[t], static_cast<std::int64_t>(msg & 0xffffffff));
  }
  REQUIRE(msgs == kill_after);
  ::kill(pid, SIGKILL);
  while (get_u64_msg(acks, &msg)) {
    auto t = static_cast<std::size_t>(msg >> 32);
    max_acked[t] = std::max<std::int64_t>(max_acked[t], static_cast<std::int64_t>(msg & 0xffffffff));
  }
  CHECK(wait_child(pid) == 128 + SIGKILL);

  auto db = open_ok(dir.path(), small_options());
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t << " acknowledged up to " << max_acked[static_cast<std::size_t>(t)]);
    for (std::int64_t i = 0; i <= max_acked[static_cast<std::size_t>(t)]; ++i) {
      auto u = static_cast<std::uint64_t>(i);
      std::string key = "t" + std::to_string(t) + "/" + make_key(u);
      CHECK(get_or_marker(*db, key) == make_value(u, static_cast<std::uint64_t>(t)));
    }
  }
}

TEST_CASE("async batches after a SIGKILL recover as a whole-batch prefix covering durable_lsn") {
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  const auto extra_ms = static_cast<int>(rng() % 20);
  CAPTURE(extra_ms);
  Pipe progress;  // (batches written, durable LSN) pairs
  pid_t pid = fork_child([&]() {
    progress.close_read();
    Options opts = small_options(CommitMode::kAsync);
    opts.flush_interval = std::chrono::microseconds(1000);
    auto db = DB::open(dir.path(), opts);
    if (!db.ok()) return 10;
    for (std::uint64_t b = 0;; ++b) {
      if (!(*db)->write(make_batch(b, 200)).ok()) return 11;
      put_u64_msg(progress, b + 1);
      put_u64_msg(progress, (*db)->durable_lsn());
    }
  });
  progress.close_write();
  std::uint64_t written = 0, durable = 0, v = 0;
  // Let it run until at least 20 batches are durable, then a little longer.
  while (durable < 20) {
    REQUIRE(get_u64_msg(progress, &written));
    REQUIRE(get_u64_msg(progress, &durable));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms));
  ::kill(pid, SIGKILL);
  while (get_u64_msg(progress, &v)) {
    written = v;
    if (get_u64_msg(progress, &v)) durable = v;
  }
  CHECK(wait_child(pid) == 128 + SIGKILL);
  CAPTURE(written, durable);

  auto db = open_ok(dir.path(), small_options(CommitMode::kAsync));
  // Batch b has LSN b + 1: every batch the child saw durable survived, and more may have.
  std::uint64_t survived = surviving_batches(*db, written + 2, 200);
  CHECK(survived >= durable);
  CHECK(db->stats().recovery.last_lsn == survived);
}

// Writes `n` batches in sync mode (one record each) in a child process that dies without
// closing the DB, and returns the records: the last batch may be torn by that crash. (After
// a clean close every batch is durable, and a torn one is Corruption.)
std::vector<RecordLoc> write_batches(const std::string& dir, std::uint64_t n) {
  REQUIRE(run_and_crash(dir, small_options(), [n](DB& db) {
    for (std::uint64_t b = 0; b < n; ++b)
      if (!db.write(make_batch(b, 100)).ok()) return false;
    return true;
  }));
  auto recs = log_records(dir);
  REQUIRE(recs.size() == n);
  return recs;
}

TEST_CASE("a last batch torn at a random byte is all-or-nothing after recovery") {
  TempDir original;
  auto recs = write_batches(original.path(), 8);
  const RecordLoc& last = recs.back();
  REQUIRE(last.size > 2048);  // spans several sectors
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 6; ++trial) {
    std::uint64_t cut = 1 + rng() % (last.size - 1);  // bytes of the record that made it
    CAPTURE(trial, cut);
    TempDir copy;
    copy_dir_files(original.path(), copy.path());
    std::string path = copy.path() + last.path.substr(last.path.rfind('/'));
    zero_range(path, last.offset + cut, last.size - cut);
    auto db = open_ok(copy.path(), small_options());
    CHECK(surviving_batches(*db, 8, 100) == 7);
    CHECK(db->stats().recovery.last_lsn == 7);
  }
}

TEST_CASE("a last batch with a random subset of its sectors lost is all-or-nothing") {
  TempDir original;
  auto recs = write_batches(original.path(), 8);
  const RecordLoc& last = recs.back();
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  std::uint64_t first_sector = last.offset / 512;
  std::uint64_t end_sector = (last.offset + last.size + 511) / 512;
  REQUIRE(end_sector - first_sector >= 4);
  for (int trial = 0; trial < 6; ++trial) {
    CAPTURE(trial);
    TempDir copy;
    copy_dir_files(original.path(), copy.path());
    std::string path = copy.path() + last.path.substr(last.path.rfind('/'));
    // Lose at least one sector of the record, never the ones of the record before it.
    std::uint64_t lost = 0;
    std::string pattern;
    for (std::uint64_t s = first_sector; s < end_sector; ++s) {
      bool lose = (rng() % 2 == 0) || (lost == 0 && s + 1 == end_sector);
      pattern.push_back(lose ? '-' : '+');
      if (!lose) continue;
      ++lost;
      std::uint64_t from = std::max<std::uint64_t>(s * 512, last.offset);
      std::uint64_t to = std::min<std::uint64_t>((s + 1) * 512, last.offset + last.size);
      zero_range(path, from, to - from);
    }
    CAPTURE(pattern);
    auto db = open_ok(copy.path(), small_options());
    CHECK(surviving_batches(*db, 8, 100) == 7);
  }
}


TEST_CASE("a copy of the directory taken during sync writes recovers every acknowledged write") {
  // Copying the files while a writer runs is a crash image the kernel could have kept.
  // Newest segments first: a WAL file only ever grows, so a later segment's records were
  // appended after the earlier segment was full, and the copy stays a prefix.
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  const auto copy_after = std::chrono::milliseconds(30 + rng() % 40);
  TempDir copy;
  std::atomic<std::uint64_t> acked{0};
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::uint64_t acked_before_copy = 0;
  std::vector<std::string> copy_errors;  // reported after the writer is joined
  {
    auto db = open_ok(dir.path(), small_options(CommitMode::kSync));
    std::thread writer([&] {
      for (std::uint64_t i = 0; !stop.load(); ++i) {
        if (!db->put(make_key(i), make_value(i, 0, 2000)).ok()) {
          errors.fetch_add(1);
          return;
        }
        acked.store(i + 1);
      }
    });
    std::this_thread::sleep_for(copy_after);
    acked_before_copy = acked.load();
    // CONTROL first, then the listing: every segment it names is in the listing, and every
    // record it says is durable is in the files copied after it (nothing deletes segments
    // here). Copied last, it could vouch for records written after their file was copied.
    // Temporary files are left out (open deletes them), and may vanish mid-copy.
    std::error_code ec;
    std::filesystem::copy_file(dir.sub(kControlFileName), copy.sub(kControlFileName), ec);
    auto names = list_dir(dir.path());
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
      if (*it == "LOCK" || *it == kControlFileName || it->ends_with(".tmp")) continue;
      std::filesystem::copy_file(dir.sub(*it), copy.sub(*it),
                                 std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) copy_errors.push_back(*it + ": " + ec.message());
    }
    stop = true;
    writer.join();
  }
  CAPTURE(acked_before_copy);
  CHECK(copy_errors.empty());
  CHECK(errors.load() == 0);
  REQUIRE(acked_before_copy > 0);
  auto db = open_ok(copy.path(), small_options());
  Lsn last = db->stats().recovery.last_lsn;
  CHECK(last >= acked_before_copy);
  // A prefix: exactly keys [0, last) are there.
  for (std::uint64_t i = 0; i < last + 3; ++i) {
    INFO("key " << i);
    if (i < last) {
      CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, 2000));
    } else {
      CHECK(get_or_marker(*db, make_key(i)) == "<absent>");
    }
  }
}

}  // namespace
}  // namespace walkv::test
