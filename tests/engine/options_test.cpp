// Argument checking (options at open, keys and values at write) and the directory lock.
#include <signal.h>
#include <unistd.h>

#include <string>

#include "test_util.h"
#include "walkv/write_batch.h"

namespace walkv::test {
namespace {

Status open_status(const std::string& dir, const Options& opts) {
  auto db = DB::open(dir, opts);
  return db.status();
}

TEST_CASE("zero flush_interval is InvalidArgument") {
  TempDir dir;
  Options o = small_options(CommitMode::kAsync);
  o.flush_interval = std::chrono::microseconds(0);
  Status s = open_status(dir.path(), o);
  INFO(s.ToString());
  CHECK(s.IsInvalidArgument());
}

TEST_CASE("negative flush_interval is InvalidArgument") {
  TempDir dir;
  Options o = small_options(CommitMode::kAsync);
  o.flush_interval = std::chrono::microseconds(-5);
  Status s = open_status(dir.path(), o);
  INFO(s.ToString());
  CHECK(s.IsInvalidArgument());
}

TEST_CASE("zero flush_bytes is InvalidArgument") {
  TempDir dir;
  Options o = small_options();
  o.flush_bytes = 0;
  Status s = open_status(dir.path(), o);
  INFO(s.ToString());
  CHECK(s.IsInvalidArgument());
}

TEST_CASE("flush_bytes above log_buffer_bytes is InvalidArgument") {
  TempDir dir;
  Options o = small_options();
  o.flush_bytes = o.log_buffer_bytes + 1;
  Status s = open_status(dir.path(), o);
  INFO(s.ToString());
  CHECK(s.IsInvalidArgument());
}

TEST_CASE("flush_bytes equal to log_buffer_bytes is accepted") {
  TempDir dir;
  Options o = small_options();
  o.flush_bytes = o.log_buffer_bytes;
  Status s = open_status(dir.path(), o);
  INFO(s.ToString());
  CHECK(s.ok());
}

TEST_CASE("segment below 64 KiB is InvalidArgument") {
  TempDir dir;
  Options o = small_options();
  o.log_buffer_bytes = 8 * 1024;
  o.flush_bytes = 4 * 1024;
  o.segment_bytes = 32 * 1024;
  Status s = open_status(dir.path(), o);
  INFO(s.ToString());
  CHECK(s.IsInvalidArgument());
}

TEST_CASE("segment not larger than log buffer plus 4 KiB is InvalidArgument") {
  TempDir dir;
  Options o = small_options();
  o.segment_bytes = 128 * 1024;
  o.log_buffer_bytes = 128 * 1024 - 4 * 1024;  // segment == buffer + 4 KiB: not greater
  Status s = open_status(dir.path(), o);
  INFO(s.ToString());
  CHECK(s.IsInvalidArgument());
}

TEST_CASE("smallest valid segment size is accepted") {
  TempDir dir;
  Options o = small_options();
  o.segment_bytes = 64 * 1024;
  o.log_buffer_bytes = 16 * 1024;
  o.flush_bytes = 4 * 1024;
  auto db = open_ok(dir.path(), o);
  for (std::uint64_t i = 0; i < 400; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0, 300)).ok());
  CHECK(wal_segments(dir.path()).size() >= 2);
}

TEST_CASE("a missing directory is created with create_if_missing") {
  TempDir parent;
  std::string dir = parent.sub("new-db");
  {
    auto db = open_ok(dir, small_options());
    REQUIRE(db->put("k", "v").ok());
  }
  auto db = open_ok(dir, small_options());
  CHECK(get_or_marker(*db, "k") == "v");
}

TEST_CASE("a missing directory without create_if_missing fails to open") {
  TempDir parent;
  Options o = small_options();
  o.create_if_missing = false;
  auto db = DB::open(parent.sub("absent"), o);
  CHECK_FALSE(db.ok());
  CHECK_FALSE(file_exists(parent.sub("absent")));
}

TEST_CASE("an empty key is InvalidArgument") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options());
  auto p = db->put("", "v");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().IsInvalidArgument());
  auto d = db->del("");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().IsInvalidArgument());
  WriteBatch b;
  b.put("fine", "v");
  b.put("", "v");
  auto w = db->write(b);
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().IsInvalidArgument());
  // The batch is all-or-nothing: its valid operation did not apply either.
  CHECK(get_or_marker(*db, "fine") == "<absent>");
}

TEST_CASE("a key longer than kMaxKeySize is InvalidArgument and the maximum is fine") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options());
  std::string too_long(kMaxKeySize + 1, 'k');
  auto p = db->put(too_long, "v");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().IsInvalidArgument());
  auto d = db->del(too_long);
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().IsInvalidArgument());
  std::string longest(kMaxKeySize, 'k');
  auto ok = db->put(longest, "v");
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  CHECK(get_or_marker(*db, longest) == "v");
}

TEST_CASE("a value larger than kMaxValueSize is InvalidArgument") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options());
  std::string huge(kMaxValueSize + 1, 'v');
  auto p = db->put("k", huge);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().IsInvalidArgument());
}

TEST_CASE("an empty batch is InvalidArgument") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options());
  auto w = db->write(WriteBatch{});
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().IsInvalidArgument());
}

TEST_CASE("a rejected write does not use up an LSN") {
  TempDir dir;
  {
    auto db = open_ok(dir.path(), small_options());
    auto a = db->put("a", "1");
    REQUIRE(a.ok());
    CHECK_FALSE(db->put("", "bad").ok());
    CHECK_FALSE(db->write(WriteBatch{}).ok());
    auto b = db->put("b", "2");
    REQUIRE(b.ok());
    CHECK(b.value() == a.value() + 1);
  }
  // No gap in the log: both survive reopen.
  auto db = open_ok(dir.path(), small_options());
  CHECK(get_or_marker(*db, "a") == "1");
  CHECK(get_or_marker(*db, "b") == "2");
}

TEST_CASE("a second open in the same process is Busy") {
  TempDir dir;
  auto first = open_ok(dir.path(), small_options());
  REQUIRE(first->put("k", "v").ok());
  auto second = DB::open(dir.path(), small_options());
  REQUIRE_FALSE(second.ok());
  INFO(second.status().ToString());
  CHECK(second.status().IsBusy());
  // The first instance is unaffected.
  CHECK(get_or_marker(*first, "k") == "v");
  REQUIRE(first->put("k2", "v2").ok());
}

TEST_CASE("the lock is released when the DB is destroyed") {
  TempDir dir;
  { auto first = open_ok(dir.path(), small_options()); }
  auto again = DB::open(dir.path(), small_options());
  INFO(again.status().ToString());
  CHECK(again.ok());
}

TEST_CASE("an open in another process is Busy while this process holds the DB") {
  TempDir dir;
  Pipe go;       // parent -> child: "the DB is open, try now"
  Pipe answer;   // child -> parent: one status code byte
  // Fork before this process has engine threads; the child waits for the go signal.
  pid_t pid = fork_child([&]() {
    go.close_write();
    answer.close_read();
    if (go.read_n(1) != "g") return 10;
    auto db = DB::open(dir.path(), small_options());
    char code = db.ok() ? 'O' : (db.status().IsBusy() ? 'B' : 'E');
    return answer.write_all(std::string_view(&code, 1)) ? 0 : 11;
  });
  go.close_read();
  answer.close_write();
  {
    auto db = open_ok(dir.path(), small_options());
    REQUIRE(go.write_all("g"));
    std::string code = answer.read_n(1);
    CHECK(wait_child(pid) == 0);
    CHECK(code == "B");
  }
}

TEST_CASE("the lock of a killed process does not block the next open") {
  TempDir dir;
  Pipe ready;
  pid_t pid = fork_child([&]() {
    ready.close_read();
    auto db = DB::open(dir.path(), small_options());
    if (!db.ok()) return 10;
    if (!(*db)->put("from-child", "yes").ok()) return 11;
    ready.write_all("r");
    ::pause();  // killed by the parent while holding the lock
    return 12;
  });
  ready.close_write();
  REQUIRE(ready.read_n(1) == "r");
  ::kill(pid, SIGKILL);
  CHECK(wait_child(pid) == 128 + SIGKILL);
  auto db = open_ok(dir.path(), small_options());
  CHECK(get_or_marker(*db, "from-child") == "yes");
}

TEST_CASE("commit mode names round-trip and unknown names are refused") {
  for (CommitMode m : {CommitMode::kSync, CommitMode::kAsync}) {
    CommitMode back{};
    REQUIRE(parse_commit_mode(to_string(m), &back));
    CHECK(back == m);
  }
  CommitMode m = CommitMode::kAsync;
  CHECK_FALSE(parse_commit_mode("Sync", &m));
  CHECK_FALSE(parse_commit_mode("", &m));
  CHECK_FALSE(parse_commit_mode("async:5ms", &m));
  CHECK(m == CommitMode::kAsync);  // untouched on failure
}

}  // namespace
}  // namespace walkv::test
