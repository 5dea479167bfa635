// One-shot commands of the real walkv binary: each run is its own process, so every test
// also checks that what one process wrote the next one reads back.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <string>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

TEST_CASE("put prints the LSN and the next process gets the value", "[cli]") {
  const std::string mode = GENERATE("sync", "async");
  TempDir tmp;
  const std::string db = tmp.sub("db");
  INFO("mode " << mode);

  auto put = run_in(db, {"--mode", mode, "put", "greeting", "hello world"});
  require_ok(put);
  REQUIRE(put.out == "lsn=1\n");

  auto get = run_in(db, {"get", "greeting"});
  require_ok(get);
  REQUIRE(get.out == "hello world\n");
}

TEST_CASE("LSNs grow by one per write across processes", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  REQUIRE(run_in(db, {"put", "a", "1"}).out == "lsn=1\n");
  REQUIRE(run_in(db, {"put", "b", "2"}).out == "lsn=2\n");
  REQUIRE(run_in(db, {"--mode", "async", "put", "a", "3"}).out == "lsn=3\n");
  REQUIRE(run_in(db, {"del", "b"}).out == "lsn=4\n");
  REQUIRE(run_in(db, {"get", "a"}).out == "3\n");
}

TEST_CASE("del removes a key: get then exits 1 with (not found) on stderr", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  auto del = run_in(db, {"del", "k"});
  require_ok(del);
  REQUIRE(del.out == "lsn=2\n");

  auto get = run_in(db, {"get", "k"});
  REQUIRE(get.exit_code == 1);
  REQUIRE(get.out.empty());
  REQUIRE(get.err == "(not found)\n");
}

TEST_CASE("a value from stdin is binary-safe and get --raw writes it back unchanged", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  std::string value;
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 256; ++b) value.push_back(static_cast<char>(b));
  }
  value += "\n\n";  // trailing newlines are part of the value

  RunOptions stdin_value;
  stdin_value.input = value;
  auto put = run_in(db, {"put", "blob", "-"}, stdin_value);
  require_ok(put);
  REQUIRE(put.out == "lsn=1\n");

  auto raw = run_in(db, {"get", "blob", "--raw"});
  require_ok(raw);
  REQUIRE(raw.out == value);
}

TEST_CASE("an empty stdin stores an empty value", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "empty", "-"}));
  auto raw = run_in(db, {"get", "--raw", "empty"});
  require_ok(raw);
  REQUIRE(raw.out.empty());
  REQUIRE(run_in(db, {"get", "empty"}).out == "\n");
}

TEST_CASE("get escapes non-printable bytes and keeps UTF-8 text", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  RunOptions stdin_value;
  stdin_value.input = std::string("a\0b\nc\xff\\d\t\xc3\xa9", 11);  // ends in "é"
  require_ok(run_in(db, {"put", "k", "-"}, stdin_value));
  auto get = run_in(db, {"get", "k"});
  require_ok(get);
  REQUIRE(get.out == "a\\x00b\\nc\\xff\\\\d\\t\xc3\xa9\n");
}

TEST_CASE("scan prints key<TAB>value lines in key order, with --prefix and --limit", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  for (const char* key : {"user:2", "order:1", "user:1", "user:3", "zeta"}) {
    require_ok(run_in(db, {"put", key, std::string("v-") + key}));
  }
  require_ok(run_in(db, {"put", "tab\tkey", "two\nlines"}));

  auto all = run_in(db, {"scan"});
  require_ok(all);
  REQUIRE(all.out ==
          "order:1\tv-order:1\n"
          "tab\\tkey\ttwo\\nlines\n"
          "user:1\tv-user:1\n"
          "user:2\tv-user:2\n"
          "user:3\tv-user:3\n"
          "zeta\tv-zeta\n");

  auto users = run_in(db, {"scan", "--prefix", "user:"});
  require_ok(users);
  REQUIRE(users.out == "user:1\tv-user:1\nuser:2\tv-user:2\nuser:3\tv-user:3\n");

  auto limited = run_in(db, {"scan", "--prefix", "user:", "--limit", "2"});
  require_ok(limited);
  REQUIRE(limited.out == "user:1\tv-user:1\nuser:2\tv-user:2\n");

  auto none = run_in(db, {"scan", "--prefix", "nothing"});
  require_ok(none);
  REQUIRE(none.out.empty());
}

TEST_CASE("global options may also follow the command", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_cli({"put", "k", "v", "--dir", db, "--mode", "async"}));
  auto get = run_cli({"get", "k", "--dir", db});
  require_ok(get);
  REQUIRE(get.out == "v\n");
}

TEST_CASE("values that look like options pass after --", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "--", "-k", "--v"}));
  auto get = run_in(db, {"get", "--", "-k"});
  require_ok(get);
  REQUIRE(get.out == "--v\n");
}

TEST_CASE("flush and backend options are accepted in their documented forms", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string interval = GENERATE("500us", "5ms", "1s", "1.5ms");
  const std::string backend = GENERATE("auto", "posix");
  INFO(interval << " " << backend);
  require_ok(run_in(db, {"--mode", "async", "--flush-interval", interval, "--flush-bytes", "64K",
                         "--io-backend", backend, "put", "k", interval}));
  REQUIRE(run_in(db, {"get", "k"}).out == interval + "\n");
}

TEST_CASE("stats prints the engine counters and the recovery report", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  for (int i = 0; i < 5; ++i) require_ok(run_in(db, {"put", "k" + std::to_string(i), "v"}));
  auto stats = run_in(db, {"stats"});
  require_ok(stats);
  for (const char* field : {"process\\.commits", "process\\.fsyncs", "process\\.bytes_written",
                            "process\\.commits_per_flush", "durable_lsn",
                            "io_backend", "wal_bytes", "keys", "recovery.records_replayed",
                            "recovery.last_lsn", "recovery.dropped_bytes"}) {
    INFO(field);
    CHECK(std::regex_search(stats.out, std::regex(std::string("(^|\n)") + field + " +\\S")));
  }
  CHECK(std::regex_search(stats.out, std::regex("(^|\n)keys +5\n")));
  CHECK(std::regex_search(stats.out, std::regex("(^|\n)recovery.last_lsn +5\n")));
  CHECK(std::regex_search(stats.out, std::regex("(^|\n)io_backend +(io_uring|posix)\n")));
}

TEST_CASE("checkpoint keeps every key across a reopen and verify stays clean", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  for (int i = 0; i < 10; ++i) {
    require_ok(run_in(db, {"put", "k" + std::to_string(i), "v" + std::to_string(i)}));
  }
  auto checkpoint = run_in(db, {"checkpoint"});
  require_ok(checkpoint);
  REQUIRE(checkpoint.out == "snapshot_lsn=10\n");
  require_ok(run_in(db, {"put", "after", "checkpoint"}));

  auto scan = run_in(db, {"scan", "--prefix", "k"});
  require_ok(scan);
  REQUIRE(lines_of(scan.out).size() == 10);
  REQUIRE(run_in(db, {"get", "after"}).out == "checkpoint\n");

  auto verify = run_in(db, {"verify"});
  require_ok(verify);
  CHECK_THAT(verify.out, Catch::Contains("newest covers lsn 10"));
  CHECK_THAT(verify.out, Catch::Contains("result     OK"));
}

TEST_CASE("verify summarises a clean database and exits 0 without changing it", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  for (int i = 0; i < 3; ++i) require_ok(run_in(db, {"put", "k" + std::to_string(i), "v"}));
  auto verify = run_in(db, {"verify"});
  require_ok(verify);
  CHECK_THAT(verify.out, Catch::Contains("records    3 (lsn 1..3"));
  CHECK_THAT(verify.out, Catch::Contains("tail       clean end"));
  CHECK_THAT(verify.out, Catch::Contains("result     OK"));
}

TEST_CASE("dump prints one line per record: segment, offset, LSN, type, key, value size", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "alpha", "12345"}));
  require_ok(run_in(db, {"put", "beta gamma", ""}));
  require_ok(run_in(db, {"del", "alpha"}));

  auto dump = run_in(db, {"dump"});
  require_ok(dump);
  const auto lines = lines_of(dump.out);
  REQUIRE(lines.size() == 4);
  const std::regex record(
      R"(segment=\d+ offset=\d+ lsn=(\d+) synced_lsn=\d+ type=(put|del) key=(.+) value_size=(\d+))");
  std::smatch m;
  REQUIRE(std::regex_match(lines[0], m, record));
  CHECK(m[1] == "1");
  CHECK(m[2] == "put");
  CHECK(m[3] == "alpha");
  CHECK(m[4] == "5");
  REQUIRE(std::regex_match(lines[1], m, record));
  CHECK(m[1] == "2");
  CHECK(m[3] == "\"beta gamma\"");
  CHECK(m[4] == "0");
  REQUIRE(std::regex_match(lines[2], m, record));
  CHECK(m[1] == "3");
  CHECK(m[2] == "del");
  CHECK(m[3] == "alpha");
  CHECK_THAT(lines[3], Catch::StartsWith("# 3 records (lsn 1..3)"));
}

TEST_CASE("help and version options print on stdout and exit 0", "[cli]") {
  auto help = run_cli({"--help"});
  require_ok(help);
  CHECK_THAT(help.out, Catch::Contains("--flush-interval"));
  CHECK_THAT(help.out, Catch::Contains("shell"));
  CHECK_THAT(help.out, Catch::Contains("sync|os|async"));
  for (const char* command : {"export", "import"}) CHECK_THAT(help.out, Catch::Contains(command));
  auto sub_help = run_cli({"scan", "--help"});
  require_ok(sub_help);
  CHECK_THAT(sub_help.out, Catch::Contains("--prefix"));
  auto version = run_cli({"--version"});
  require_ok(version);
  CHECK_THAT(version.out, Catch::StartsWith("walkv "));
}

TEST_CASE("reading commands never create a missing database directory", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("missing");
  const std::string command = GENERATE("get", "scan", "stats", "checkpoint", "verify", "dump");
  INFO(command);
  std::vector<std::string> args = {command};
  if (command == "get") args.push_back("k");
  require_error(run_in(db, args), 3,
                db + " is not a walkv database (no CONTROL or wal-*.log): the directory does not "
                     "exist");
  REQUIRE(!std::filesystem::exists(db));
}

// Every entry of `dir` (recursively) with its type and, for regular files, its bytes.
std::map<std::string, std::string> snapshot_tree(const std::string& dir) {
  std::map<std::string, std::string> tree;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string name = std::filesystem::relative(e.path(), dir).string();
    if (e.is_symlink()) {
      tree[name] = "symlink " + std::filesystem::read_symlink(e.path()).string();
    } else if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      tree[name] = "file " + std::string(std::istreambuf_iterator<char>(in),
                                         std::istreambuf_iterator<char>());
    } else {
      tree[name] = e.is_directory() ? "directory" : "other";
    }
  }
  return tree;
}

TEST_CASE("reading commands refuse a directory that holds no database and change nothing",
          "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("foreign");
  std::filesystem::create_directory(db);
  // Names that only look like walkv's: a WAL segment is exactly wal-<16 lowercase hex>.log.
  for (const char* name : {"wal-notes.log", "snapshot-latest.snap", "wal-000000000000000A.log",
                           "wal-0000000000000001.log.bak", "wal-000000000000001.log", "LOCK",
                           "control", "notes.txt"}) {
    std::ofstream(db + "/" + name) << "mine: " << name << "\n";
  }
  std::filesystem::create_directory(db + "/wal-0000000000000002.log.d");
  const auto before = snapshot_tree(db);
  const std::string command = GENERATE("get", "scan", "stats", "checkpoint", "verify", "dump");
  INFO(command);
  std::vector<std::string> args = {command};
  if (command == "get") args.push_back("k");
  auto r = run_in(db, args);
  const std::string message = db + " is not a walkv database (no CONTROL or wal-*.log)";
  require_error(r, 3, message);
  CHECK(lines_of(r.err).back() == "error: " + message);
  CHECK(snapshot_tree(db) == before);

  std::filesystem::remove_all(db + "/wal-0000000000000002.log.d");
  for (const auto& e : std::filesystem::directory_iterator(db)) std::filesystem::remove(e.path());
  require_error(run_in(db, args), 3, db + " is not a walkv database");
  CHECK(std::filesystem::is_empty(db));
}

}  // namespace
}  // namespace walkv::clitest
