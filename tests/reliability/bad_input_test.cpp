// Bad input to the public API: every limit and invalid option gets InvalidArgument with a
// message that names what was wrong, and the database keeps working; directories that hold
// foreign files, are locked by another process, or come from a newer format version are
// refused clearly (or, for foreign files, left alone). docs/limits.md lists the same cases.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "forge_snapshot.h"
#include "test_util.h"
#include "walkv/inspect.h"
#include "walkv/write_batch.h"

namespace walkv::test {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

// A database with a few keys, closed, for tests that damage or decorate its directory.
void populate(const std::string& dir, int keys = 20) {
  auto db = open_ok(dir, small_options());
  for (int i = 0; i < keys; ++i) {
    REQUIRE(db->put(make_key(static_cast<std::uint64_t>(i)),
                    make_value(static_cast<std::uint64_t>(i), 1))
                .ok());
  }
}

// Checks that `db` still accepts writes and reads them back after a rejected call.
void still_works(DB& db, std::string_view tag) {
  const std::string key = "still-works-" + std::string(tag);
  auto lsn = db.put(key, "yes");
  INFO(lsn.status().ToString());
  REQUIRE(lsn.ok());
  CHECK(get_or_marker(db, key) == "yes");
}

template <typename T>
Status status_of(const Result<T>& r) {
  return r.status();
}

// Expects InvalidArgument whose message contains every one of `words`.
void require_invalid(const Status& s, std::initializer_list<std::string_view> words) {
  INFO(s.ToString());
  REQUIRE(s.IsInvalidArgument());
  for (std::string_view w : words) CHECK_THAT(s.message(), Contains(std::string(w)));
}

Status open_status(const std::string& dir, const Options& o) { return DB::open(dir, o).status(); }

// ---------------------------------------------------------------------------------------
// Keys, values and batches

TEST_CASE("an empty key is refused by put, del and batches, and the DB goes on") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options());
  require_invalid(status_of(db->put("", "v")), {"empty key"});
  require_invalid(status_of(db->del("")), {"empty key"});
  WriteBatch b;
  b.put("a", "1");
  b.del("");
  require_invalid(status_of(db->write(b)), {"empty key"});
  CHECK(get_or_marker(*db, "a") == "<absent>");  // all-or-nothing
  still_works(*db, "empty-key");
}

TEST_CASE("a key one byte over kMaxKeySize is refused with its size and the limit") {
  TempDir dir;
  Options o = small_options();
  o.log_buffer_bytes = 64 * 1024;  // room for the largest key
  o.flush_bytes = 16 * 1024;
  o.segment_bytes = 256 * 1024;
  auto db = open_ok(dir.path(), o);
  const std::string over(kMaxKeySize + 1, 'k');
  require_invalid(status_of(db->put(over, "v")), {"16385", "16384"});
  require_invalid(status_of(db->del(over)), {"16385", "16384"});
  WriteBatch b;
  b.put(over, "v");
  require_invalid(status_of(db->write(b)), {"16385"});
  // A read of an over-long key is simply not found: nothing of that size can exist.
  auto got = db->get(over);
  CHECK(got.status().IsNotFound());
  still_works(*db, "long-key");
  const std::string longest(kMaxKeySize, 'k');
  REQUIRE(db->put(longest, "max").ok());
  CHECK(get_or_marker(*db, longest) == "max");
}

TEST_CASE("a value one byte over kMaxValueSize is refused with its size and the limit") {
  TempDir dir;
  Options o = small_options();
  o.log_buffer_bytes = 8 << 20;  // the defaults: the value limit, not the buffer, decides
  o.flush_bytes = 1 << 20;
  o.segment_bytes = 32 << 20;
  auto db = open_ok(dir.path(), o);
  const std::string over(kMaxValueSize + 1, 'v');
  require_invalid(status_of(db->put("k", over)), {"4194305", "4194304"});
  WriteBatch b;
  b.put("k", over);
  require_invalid(status_of(db->write(b)), {"4194305"});
  still_works(*db, "big-value");
  // Exactly the limit is accepted and survives a reopen.
  const std::string max(kMaxValueSize, 'm');
  REQUIRE(db->put("max", max).ok());
  db.reset();
  auto again = open_ok(dir.path(), o);
  auto got = again->get("max");
  REQUIRE(got.ok());
  CHECK(got.value() == max);
}

TEST_CASE("a batch whose encoding exceeds log_buffer_bytes is refused and uses no LSN") {
  TempDir dir;
  Options o = small_options();  // 32 KiB log buffer
  auto db = open_ok(dir.path(), o);
  auto first = db->put("first", "1");
  REQUIRE(first.ok());
  WriteBatch b;
  for (int i = 0; b.byte_size() <= o.log_buffer_bytes; ++i)
    b.put(make_key(static_cast<std::uint64_t>(i)), std::string(100, 'x'));
  require_invalid(status_of(db->write(b)), {"exceeds log_buffer_bytes"});
  CHECK(get_or_marker(*db, make_key(0)) == "<absent>");
  // A single value that fits kMaxValueSize but not the buffer gets the same answer.
  require_invalid(status_of(db->put("k", std::string(o.log_buffer_bytes, 'v'))),
                  {"log_buffer_bytes"});
  auto next = db->put("next", "2");
  REQUIRE(next.ok());
  CHECK(next.value() == first.value() + 1);
}

TEST_CASE("an empty batch is refused and the DB goes on") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options());
  require_invalid(status_of(db->write(WriteBatch{})), {"empty write batch"});
  WriteBatch cleared;
  cleared.put("a", "1");
  cleared.clear();
  require_invalid(status_of(db->write(cleared)), {"empty write batch"});
  still_works(*db, "empty-batch");
}

TEST_CASE("rejected writes in async mode change nothing on disk") {
  TempDir dir;
  {
    auto db = open_ok(dir.path(), small_options(CommitMode::kAsync));
    REQUIRE(db->put("a", "1").ok());
    CHECK_FALSE(db->put("", "x").ok());
    CHECK_FALSE(db->put(std::string(kMaxKeySize + 1, 'k'), "x").ok());
    CHECK_FALSE(db->write(WriteBatch{}).ok());
    REQUIRE(db->put("b", "2").ok());
  }
  VerifyReport report;
  REQUIRE(verify_dir(dir.path(), &report).ok());
  CHECK_FALSE(report.corrupt);
  CHECK(report.records == 2);
  CHECK(report.last_lsn == 2);
}

// ---------------------------------------------------------------------------------------
// wait_durable and notifications on LSNs that were never handed out

TEST_CASE("wait_durable on an LSN never handed out is InvalidArgument") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options(CommitMode::kAsync));
  auto lsn = db->put("a", "1");
  REQUIRE(lsn.ok());
  require_invalid(db->wait_durable(lsn.value() + 1), {"wait_durable", "LSN"});
  require_invalid(db->wait_durable(lsn.value() + 1000, std::chrono::milliseconds(10)),
                  {"wait_durable"});
  require_invalid(db->wait_durable(~Lsn{0}), {"wait_durable"});
  // The LSN that was handed out is fine, and so is 0 ("nothing").
  CHECK(db->wait_durable(lsn.value()).ok());
  CHECK(db->wait_durable(0).ok());
  still_works(*db, "wait-durable");
}

// when_durable promises fn runs once: OK when durable, the error if the DB fails first. An
// LSN that was never handed out can be neither; the caller must hear so (InvalidArgument),
// and a durable_future must not end in a broken promise (std::future_error from get(): an
// exception across the API).
TEST_CASE("when_durable and durable_future on an LSN never handed out get InvalidArgument") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options(CommitMode::kAsync));
  auto lsn = db->put("a", "1");
  REQUIRE(lsn.ok());
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto last = std::make_shared<Status>();
  auto mu = std::make_shared<std::mutex>();
  db->when_durable(lsn.value() + 100, [calls, last, mu](const Status& s) {
    std::lock_guard<std::mutex> lock(*mu);
    *last = s;
    calls->fetch_add(1);
  });
  std::future<Status> future = db->durable_future(lsn.value() + 100);
  db.reset();
  CHECK(calls->load() == 1);
  {
    std::lock_guard<std::mutex> lock(*mu);
    CHECK(last->IsInvalidArgument());
  }
  REQUIRE(future.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  Status from_future;
  CHECK_NOTHROW(from_future = future.get());
  CHECK(from_future.IsInvalidArgument());
}

// ---------------------------------------------------------------------------------------
// Options

struct BadOption {
  const char* what;
  const char* field;
  void (*apply)(Options&);
};

const BadOption kBadOptions[] = {
    {"zero flush_interval", "flush_interval",
     [](Options& o) { o.flush_interval = std::chrono::microseconds(0); }},
    {"negative flush_interval", "flush_interval",
     [](Options& o) { o.flush_interval = std::chrono::microseconds(-1000); }},
    {"zero flush_bytes", "flush_bytes", [](Options& o) { o.flush_bytes = 0; }},
    {"flush_bytes above log_buffer_bytes", "flush_bytes",
     [](Options& o) { o.flush_bytes = o.log_buffer_bytes + 1; }},
    {"log_buffer_bytes of 0", "log_buffer_bytes",
     [](Options& o) {
       o.log_buffer_bytes = 0;
       o.flush_bytes = 1;
     }},
    {"log_buffer_bytes smaller than one record", "log_buffer_bytes",
     [](Options& o) {
       o.log_buffer_bytes = 64;
       o.flush_bytes = 64;
     }},
    {"segment_bytes below 64 KiB", "segment_bytes",
     [](Options& o) {
       o.log_buffer_bytes = 4096;
       o.flush_bytes = 1024;
       o.segment_bytes = 16 * 1024;
     }},
    {"segment_bytes of 0", "segment_bytes", [](Options& o) { o.segment_bytes = 0; }},
    {"segment_bytes above 1 GiB", "segment_bytes",
     [](Options& o) { o.segment_bytes = (std::uint64_t{1} << 30) + 4096; }},
    {"segment_bytes not above log_buffer_bytes + 4 KiB", "segment_bytes",
     [](Options& o) {
       o.log_buffer_bytes = 1 << 20;
       o.segment_bytes = 1 << 20;
     }},
};

TEST_CASE("invalid options are InvalidArgument naming the field, and create nothing") {
  for (const BadOption& bad : kBadOptions) {
    SECTION(bad.what) {
      TempDir parent;
      const std::string dir = parent.sub("db");
      Options o = small_options();
      bad.apply(o);
      require_invalid(open_status(dir, o), {bad.field});
      // Options are checked before the directory is touched.
      CHECK_FALSE(file_exists(dir));
      // In an existing database, a refused open leaves the files as they were.
      populate(parent.path());
      const auto before = list_dir(parent.path());
      require_invalid(open_status(parent.path(), o), {bad.field});
      CHECK(list_dir(parent.path()) == before);
      auto db = open_ok(parent.path(), small_options());
      CHECK(get_or_marker(*db, make_key(3)) == make_value(3, 1));
    }
  }
}

TEST_CASE("an empty directory name is InvalidArgument") {
  require_invalid(open_status("", small_options()), {"directory"});
}

TEST_CASE("a path that is a regular file is an IOError naming it") {
  TempDir tmp;
  const std::string file = tmp.sub("plain");
  write_file(file, "not a database");
  Status s = open_status(file, small_options());
  INFO(s.ToString());
  CHECK(s.IsIOError());
  CHECK_THAT(s.message(), Contains(file));
  CHECK(read_file(file) == "not a database");
}

// ---------------------------------------------------------------------------------------
// Foreign files in the database directory

// Files a user or another tool might leave beside the database. None of them may be
// deleted or changed by open, writes, checkpoints or recovery.
const std::map<std::string, std::string> kForeignFiles = {
    {"README.txt", "notes about this directory\n"},
    {"backup.tar", std::string(5000, '\x7f')},
    {"wal-notes.log", "a name that starts like a segment\n"},
    {"wal-0000000000000001.log.bak", "an old copy\n"},
    {"snapshot-latest.snap", "not a hex LSN\n"},
    {"snapshot-0000000000000001.snap.old", "an old copy\n"},
    {"LOCK.old", "x"},
    {".hidden", "dot file"},
    {"empty", ""},
};

void add_foreign_files(const std::string& dir) {
  for (const auto& [name, data] : kForeignFiles) write_file(dir + "/" + name, data);
  fs::create_directory(dir + "/subdir");
  write_file(dir + "/subdir/inside.txt", "nested");
  fs::create_symlink("/nonexistent/target", dir + "/dangling-link");
}

void expect_foreign_files_intact(const std::string& dir) {
  for (const auto& [name, data] : kForeignFiles) {
    INFO(name);
    REQUIRE(file_exists(dir + "/" + name));
    CHECK(read_file(dir + "/" + name) == data);
  }
  CHECK(read_file(dir + "/subdir/inside.txt") == "nested");
  CHECK(fs::is_symlink(fs::symlink_status(dir + "/dangling-link")));
}

TEST_CASE("foreign files in a new database directory are ignored and kept") {
  TempDir dir;
  add_foreign_files(dir.path());
  {
    Options o = small_options();
    o.checkpoint_wal_bytes = 64 * 1024;
    auto db = open_ok(dir.path(), o);
    for (std::uint64_t i = 0; i < 600; ++i) REQUIRE(db->put(make_key(i % 50), make_value(i, 2, 200)).ok());
    REQUIRE(db->checkpoint().ok());
    REQUIRE(db->put("after", "checkpoint").ok());
  }
  expect_foreign_files_intact(dir.path());
  VerifyReport report;
  REQUIRE(verify_dir(dir.path(), &report).ok());
  CHECK_FALSE(report.corrupt);
  auto db = open_ok(dir.path(), small_options());
  CHECK(get_or_marker(*db, "after") == "checkpoint");
  CHECK(db->stats().recovery.dropped_bytes == 0);
  db.reset();
  expect_foreign_files_intact(dir.path());
}

TEST_CASE("foreign files added to an existing database are ignored and kept") {
  TempDir dir;
  populate(dir.path());
  add_foreign_files(dir.path());
  {
    auto db = open_ok(dir.path(), small_options());
    CHECK(get_or_marker(*db, make_key(7)) == make_value(7, 1));
    REQUIRE(db->checkpoint().ok());
  }
  expect_foreign_files_intact(dir.path());
}

// walkv's own temporary names are "wal-<hex>.log.tmp" and "snapshot-<hex>.snap.tmp"; open
// deletes only those leftovers. A user's file that merely ends in ".tmp" survives, and so
// does a subdirectory with that suffix.
TEST_CASE("a foreign file ending in .tmp survives open") {
  TempDir dir;
  populate(dir.path());
  write_file(dir.sub("editor-swap.tmp"), "unsaved work");
  { auto db = open_ok(dir.path(), small_options()); }
  REQUIRE(file_exists(dir.sub("editor-swap.tmp")));
  CHECK(read_file(dir.sub("editor-swap.tmp")) == "unsaved work");
}

TEST_CASE("a subdirectory ending in .tmp does not make open fail") {
  TempDir dir;
  populate(dir.path());
  fs::create_directory(dir.sub("scratch.tmp"));
  auto db = DB::open(dir.path(), small_options());
  INFO(db.status().ToString());
  CHECK(db.ok());
  CHECK(fs::is_directory(dir.sub("scratch.tmp")));
}

TEST_CASE("walkv's own leftover temporary files are removed at open") {
  TempDir dir;
  populate(dir.path());
  write_file(dir.sub("wal-00000000000000ff.log.tmp"), std::string(4096, '\0'));
  write_file(dir.sub("snapshot-00000000000000ff.snap.tmp"), "half a snapshot");
  auto db = open_ok(dir.path(), small_options());
  CHECK_FALSE(file_exists(dir.sub("wal-00000000000000ff.log.tmp")));
  CHECK_FALSE(file_exists(dir.sub("snapshot-00000000000000ff.snap.tmp")));
  CHECK(get_or_marker(*db, make_key(0)) == make_value(0, 1));
}

// A file with a segment's exact name is walkv's by definition, and walkv gives a segment
// its name only after its header is durable: a bad header is damage or a foreign file,
// never a torn write. Open refuses it wherever it sits and leaves it alone. Regression tests:
// A file under a segment name is walkv's: garbage there is refused wherever it stands, so
// that it can never start the log after itself (losing acknowledged writes at the next
// open) or hide an async-written log.
TEST_CASE("garbage under a segment name in an empty directory fails open with Corruption") {
  TempDir dir;
  const std::string garbage(4096, 'G');
  write_file(dir.sub("wal-00000000000000ff.log"), garbage);
  Status s = open_status(dir.path(), small_options());
  INFO(s.ToString());
  CHECK(s.IsCorruption());
  CHECK_THAT(s.message(), Contains("wal-00000000000000ff.log"));
  CHECK(read_file(dir.sub("wal-00000000000000ff.log")) == garbage);
}

TEST_CASE("garbage under a segment name before the log is refused as Corruption naming it") {
  TempDir dir;
  populate(dir.path());
  const std::string garbage(4096, 'G');
  write_file(dir.sub("wal-0000000000000000.log"), garbage);
  const auto before = list_dir(dir.path());
  Status s = open_status(dir.path(), small_options());
  INFO(s.ToString());
  CHECK(s.IsCorruption());
  CHECK_THAT(s.message(), Contains("wal-0000000000000000.log"));
  CHECK(list_dir(dir.path()) == before);
  CHECK(read_file(dir.sub("wal-0000000000000000.log")) == garbage);
}

// Async writes flushed together all carry synced LSN 0: no record proves the others durable,
// so only the header rule keeps the garbage from hiding them.
TEST_CASE("garbage under a segment name before an async-written log fails open, never hides it") {
  TempDir dir;
  Options o = small_options(CommitMode::kAsync);
  o.flush_interval = std::chrono::seconds(1);
  {
    auto db = open_ok(dir.path(), o);
    for (std::uint64_t i = 0; i < 100; ++i) REQUIRE(db->put(make_key(i), make_value(i, 1)).ok());
    REQUIRE(db->sync().ok());  // durable: acknowledged and synced
  }
  write_file(dir.sub("wal-0000000000000000.log"), std::string(4096, 'G'));
  Status s = open_status(dir.path(), o);
  INFO(s.ToString());
  CHECK(s.IsCorruption());
  // Remove the garbage and every write is there.
  REQUIRE(fs::remove(dir.sub("wal-0000000000000000.log")));
  auto db = open_ok(dir.path(), o);
  CHECK(db->stats().keys == 100);
  CHECK(get_or_marker(*db, make_key(5)) == make_value(5, 1));
}

// A damaged snapshot is passed over for an older one (or none) when the log still holds
// everything after it: nothing is lost, so open succeeds, says so, and leaves the file.
TEST_CASE("garbage under a snapshot name is passed over, reported and left alone") {
  TempDir dir;
  populate(dir.path());
  const std::string name = "snapshot-00000000000000ff.snap";
  write_file(dir.sub(name), "not a snapshot");
  LogSink sink;
  Options o = small_options();
  o.logger = sink.logger();
  {
    auto db = open_ok(dir.path(), o);
    CHECK(get_or_marker(*db, make_key(19)) == make_value(19, 1));
    const auto notes = db->stats().recovery.notes;
    REQUIRE(notes.size() == 1);
    CHECK_THAT(notes[0], Contains(name));
  }
  CHECK(read_file(dir.sub(name)) == "not a snapshot");
  VerifyReport r;
  REQUIRE(verify_dir(dir.path(), &r).ok());
  CHECK_FALSE(r.corrupt);
  REQUIRE(r.notes.size() == 1);
  CHECK_THAT(r.notes[0], Contains(name));
}

TEST_CASE("garbage under a segment name after the log fails open with Corruption") {
  TempDir dir;
  populate(dir.path());
  const std::string name = "wal-00000000000000ff.log";
  const std::string garbage(4096, 'G');
  write_file(dir.sub(name), garbage);
  const auto before = list_dir(dir.path());
  Status s = open_status(dir.path(), small_options());
  INFO(s.ToString());
  CHECK(s.IsCorruption());
  CHECK_THAT(s.message(), Contains(name));
  CHECK(list_dir(dir.path()) == before);
  CHECK(read_file(dir.sub(name)) == garbage);
  REQUIRE(fs::remove(dir.sub(name)));
  auto db = open_ok(dir.path(), small_options());
  CHECK(get_or_marker(*db, make_key(19)) == make_value(19, 1));
}

TEST_CASE("a subdirectory under a segment name fails open with Corruption naming it") {
  TempDir dir;
  populate(dir.path());
  const std::string name = "wal-00000000000000ff.log";
  fs::create_directory(dir.sub(name));
  write_file(dir.sub(name) + "/x", "x");
  Status s = open_status(dir.path(), small_options());
  INFO(s.ToString());
  CHECK(s.IsCorruption());
  CHECK_THAT(s.message(), Contains(name));
  CHECK_THAT(s.message(), Contains("not a regular file"));
  CHECK(read_file(dir.sub(name) + "/x") == "x");
}

TEST_CASE("a subdirectory under a snapshot name is passed over and left alone") {
  TempDir dir;
  populate(dir.path());
  const std::string name = "snapshot-00000000000000ff.snap";
  fs::create_directory(dir.sub(name));
  write_file(dir.sub(name) + "/x", "x");
  Options o = small_options();
  {
    auto db = open_ok(dir.path(), o);
    CHECK(get_or_marker(*db, make_key(19)) == make_value(19, 1));
    const auto notes = db->stats().recovery.notes;
    REQUIRE(notes.size() == 1);
    CHECK_THAT(notes[0], Contains("not a regular file"));
  }
  CHECK(read_file(dir.sub(name) + "/x") == "x");
}

// ---------------------------------------------------------------------------------------
// A directory locked by another process

TEST_CASE("a directory held open by another process is Busy, and free once it exits") {
  TempDir dir;
  Pipe ready;  // child -> parent: "r" once the DB is open
  Pipe quit;   // parent -> child: any byte (or EOF) tells it to close and exit
  pid_t pid = fork_child([&]() {
    ready.close_read();
    quit.close_write();
    auto db = DB::open(dir.path(), small_options());
    if (!db.ok()) return 10;
    if (!(*db)->put("holder", "child").ok()) return 11;
    if (!ready.write_all("r")) return 12;
    (void)quit.read_n(1);
    return 0;
  });
  ready.close_write();
  quit.close_read();
  REQUIRE(ready.read_n(1) == "r");
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto second = DB::open(dir.path(), small_options());
    REQUIRE_FALSE(second.ok());
    INFO(second.status().ToString());
    CHECK(second.status().IsBusy());
    CHECK_THAT(second.status().message(), Contains(dir.path()));
  }
  // Read-only inspection works beside the holder.
  VerifyReport report;
  CHECK(verify_dir(dir.path(), &report).ok());
  REQUIRE(quit.write_all("q"));
  CHECK(wait_child(pid) == 0);
  auto db = open_ok(dir.path(), small_options());
  CHECK(get_or_marker(*db, "holder") == "child");
}

// ---------------------------------------------------------------------------------------
// Files from a newer format version

using forge::snapshot_name;

std::string forge_snapshot(std::uint32_t version, Lsn lsn,
                           const std::map<std::string, std::string>& entries) {
  return forge::snapshot(version, lsn, entries);
}

TEST_CASE("the forged version-1 snapshot loads, so only the version makes the difference") {
  TempDir dir;
  write_file(dir.sub(snapshot_name(5)), forge_snapshot(1, 5, {{"a", "1"}, {"b", "2"}}));
  auto db = open_ok(dir.path(), small_options());
  CHECK(get_or_marker(*db, "a") == "1");
  CHECK(get_or_marker(*db, "b") == "2");
  CHECK(db->stats().recovery.snapshot_lsn == 5);
  auto next = db->put("c", "3");
  REQUIRE(next.ok());
  CHECK(next.value() == 6);
}

TEST_CASE("a snapshot from format version 99 is NotSupported with a message saying upgrade") {
  TempDir dir;
  const std::string name = snapshot_name(5);
  const std::string snap = forge_snapshot(99, 5, {{"a", "1"}});
  write_file(dir.sub(name), snap);
  Status s = open_status(dir.path(), small_options());
  INFO(s.ToString());
  REQUIRE(s.IsNotSupported());
  CHECK_THAT(s.message(), Contains("version 99"));
  CHECK_THAT(s.message(), Contains("upgrade"));
  CHECK_THAT(s.message(), Contains(name));
  CHECK(read_file(dir.sub(name)) == snap);
  // verify_dir says the same instead of calling the data valid.
  VerifyReport report;
  Status v = verify_dir(dir.path(), &report);
  INFO(v.ToString() << " / " << report.corruption);
  CHECK((!v.ok() || report.corrupt));
}

TEST_CASE("a newer snapshot beside an older database is refused, not skipped") {
  TempDir dir;
  populate(dir.path());  // LSNs 1..20 in the WAL
  const std::string name = snapshot_name(30);
  write_file(dir.sub(name), forge_snapshot(99, 30, {{"a", "1"}}));
  const auto before = list_dir(dir.path());
  std::map<std::string, std::string> bytes_before;
  for (const auto& n : before) bytes_before[n] = read_file(dir.sub(n));
  Status s = open_status(dir.path(), small_options());
  INFO(s.ToString());
  REQUIRE(s.IsNotSupported());
  CHECK_THAT(s.message(), Contains("upgrade"));
  // Nothing was trimmed, deleted or rewritten.
  CHECK(list_dir(dir.path()) == before);
  for (const auto& n : before) CHECK(read_file(dir.sub(n)) == bytes_before[n]);
}

TEST_CASE("a segment from format version 99 is NotSupported naming the file and version") {
  TempDir dir;
  populate(dir.path());
  auto segments = wal_segments(dir.path());
  REQUIRE_FALSE(segments.empty());
  const std::string path = segments.front().path;
  set_header_version(path, 99);
  const std::string bytes = read_file(path);
  Status s = open_status(dir.path(), small_options());
  INFO(s.ToString());
  REQUIRE(s.IsNotSupported());
  CHECK_THAT(s.message(), Contains("99"));
  CHECK_THAT(s.message(), Contains("newer"));
  CHECK_THAT(s.message(), Contains(path));
  CHECK(read_file(path) == bytes);
  VerifyReport report;
  Status v = verify_dir(dir.path(), &report);
  CHECK((!v.ok() || report.corrupt));
}

TEST_CASE("a segment from a newer version tells the user to upgrade") {
  TempDir dir;
  populate(dir.path());
  set_header_version(wal_segments(dir.path()).front().path, 99);
  Status s = open_status(dir.path(), small_options());
  INFO(s.ToString());
  REQUIRE(s.IsNotSupported());
  CHECK_THAT(s.message(), Contains("upgrade"));
}

}  // namespace
}  // namespace walkv::test
