// Bad input to the walkv binary that tests/cli does not already cover: option values at and
// past their edges, over-long keys for every command, bad input inside a shell session, and
// directories the engine refuses (newer format versions). Each failure must exit with the
// documented code (2 bad usage, 3 engine error) and one "error:" line on stderr.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "forge_snapshot.h"

namespace walkv::clitest {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spew(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  REQUIRE(out.good());
}

TEST_CASE("edge values of --flush-interval exit 2 and create nothing", "[cli][bad-input]") {
  TempDir tmp;
  const std::string bad =
      GENERATE("0", "0us", "0s", "0.4us", "-1ms", "", "1e400s", "99999999999999999999999s", " 5ms");
  INFO("--flush-interval '" << bad << "'");
  require_error(run_in(tmp.sub("db"), {"--flush-interval", bad, "put", "k", "v"}), 2,
                "--flush-interval: bad duration");
  CHECK_FALSE(fs::exists(tmp.sub("db")));
}

TEST_CASE("edge values of --flush-bytes exit 2 and create nothing", "[cli][bad-input]") {
  TempDir tmp;
  const std::string bad = GENERATE("-5", "0K", "", "1.5M", "99999999999999999999999", "16E", "5 ");
  INFO("--flush-bytes '" << bad << "'");
  require_error(run_in(tmp.sub("db"), {"--flush-bytes", bad, "put", "k", "v"}), 2,
                "--flush-bytes: bad size");
  CHECK_FALSE(fs::exists(tmp.sub("db")));
}

TEST_CASE("a --flush-bytes just above the 8 MiB log buffer is refused by the engine with exit 2",
          "[cli][bad-input]") {
  TempDir tmp;
  require_error(run_in(tmp.sub("db"), {"--flush-bytes", "9M", "put", "k", "v"}), 2,
                "flush_bytes must be <= log_buffer_bytes");
  CHECK_FALSE(fs::exists(tmp.sub("db")));
  // Exactly the buffer is fine.
  auto ok = run_in(tmp.sub("db"), {"--flush-bytes", "8M", "put", "k", "v"});
  require_ok(ok);
}

TEST_CASE("the --mode and --io-backend options accept only their documented words", "[cli][bad-input]") {
  TempDir tmp;
  const std::string mode = GENERATE("banana", "SYNC", "Async", "", "sync ");
  INFO("--mode '" << mode << "'");
  require_error(run_in(tmp.sub("db"), {"--mode", mode, "put", "k", "v"}), 2,
                "--mode: expected sync or async");
  require_error(run_in(tmp.sub("db"), {"--io-backend", "", "put", "k", "v"}), 2,
                "--io-backend: expected auto, uring or posix");
  CHECK_FALSE(fs::exists(tmp.sub("db")));
}

TEST_CASE("an empty --dir exits 2", "[cli][bad-input]") {
  require_error(run_cli({"--dir", "", "put", "k", "v"}), 2, "empty database directory");
}

TEST_CASE("an over-long key: del exits 2 with a short message, get finds nothing",
          "[cli][bad-input]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  const std::string key(16 * 1024 + 1, 'k');
  auto del = run_in(db, {"del", key});
  require_error(del, 2, "key of 16385 bytes exceeds the limit of 16384");
  CHECK(del.err.size() < 400);
  // Nothing that long can be stored, so a read of it is simply "not found" (exit 1).
  auto get = run_in(db, {"get", key});
  CHECK(get.exit_code == 1);
  CHECK(get.out.empty());
  CHECK(get.err == "(not found)\n");
  // The longest allowed key works from argv.
  const std::string longest(16 * 1024, 'k');
  require_ok(run_in(db, {"put", longest, "max"}));
  auto back = run_in(db, {"get", longest});
  require_ok(back);
  CHECK(back.out == "max\n");
}

TEST_CASE("scan --limit takes only a count", "[cli][bad-input]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  const std::string bad = GENERATE("abc", "1.5", "", "-0");
  INFO("--limit '" << bad << "'");
  require_error(run_in(db, {"scan", "--limit", bad}), 2, "--limit");
}

TEST_CASE("bad input inside a shell session answers ERR and the session goes on",
          "[cli][bad-input][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string long_key(16 * 1024 + 1, 'k');
  std::string input;
  input += "put '' v\n";
  input += "put " + long_key + " v\n";
  input += "del " + long_key + "\n";
  input += "put ok 1\n";
  input += "get ok\n";
  input += "quit\n";
  auto r = run_in(db, {"shell"}, RunOptions{input, std::nullopt});
  require_ok(r);
  const auto lines = lines_of(r.out);
  INFO(r.out.substr(0, 2000));
  REQUIRE(lines.size() == 6);
  CHECK_THAT(lines[0], Catch::StartsWith("ERR "));
  CHECK_THAT(lines[0], Catch::Contains("empty key"));
  CHECK_THAT(lines[1], Catch::StartsWith("ERR "));
  CHECK_THAT(lines[1], Catch::Contains("16385"));
  CHECK(lines[1].size() < 400);  // the key is not echoed back in full
  CHECK_THAT(lines[2], Catch::StartsWith("ERR "));
  CHECK(lines[2].size() < 400);
  CHECK_THAT(lines[3], Catch::StartsWith("OK lsn=1 "));  // rejected writes used no LSN
  CHECK(lines[4] == "1");
  CHECK(lines[5] == "bye");
}

TEST_CASE("a snapshot from a newer format version exits 3 saying upgrade", "[cli][bad-input]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  const std::string name = forge::snapshot_name(7);
  const std::string snap = forge::snapshot(99, 7, {{"k", "from the future"}});
  spew(db + "/" + name, snap);
  for (const std::string command : {"get", "put", "verify", "scan"}) {
    INFO(command);
    std::vector<std::string> args = {command};
    if (command == "get") args = {"get", "k"};
    if (command == "put") args = {"put", "k", "v2"};
    auto r = run_in(db, args);
    // verify prints its report on stdout and the verdict as the error line.
    require_error(RunResult{r.exit_code, "", r.err}, 3, "upgrade");
    CHECK_THAT(r.err, Catch::Contains("version 99"));
  }
  CHECK(slurp(db + "/" + name) == snap);
}

TEST_CASE("a WAL segment from a newer format version exits 3 naming it", "[cli][bad-input]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  std::string segment;
  for (const auto& e : fs::directory_iterator(db)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("wal-", 0) == 0 && n.size() == 24) segment = e.path().string();
  }
  REQUIRE_FALSE(segment.empty());
  std::string bytes = slurp(segment);
  forge::set_header_version(&bytes, 99);
  spew(segment, bytes);
  for (const std::string command : {"get", "verify"}) {
    INFO(command);
    std::vector<std::string> args = {command};
    if (command == "get") args = {"get", "k"};
    auto r = run_in(db, args);
    require_error(RunResult{r.exit_code, "", r.err}, 3, "version 99");
    CHECK_THAT(r.err, Catch::Contains(fs::path(segment).filename().string()));
  }
  CHECK(slurp(segment) == bytes);
}

TEST_CASE("foreign files beside a database are left alone by every command", "[cli][bad-input]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  spew(db + "/notes.txt", "mine");
  spew(db + "/wal-notes.log", "also mine");
  fs::create_directory(db + "/sub");
  spew(db + "/sub/file", "nested");
  require_ok(run_in(db, {"put", "k2", "v2"}));
  require_ok(run_in(db, {"checkpoint"}));
  require_ok(run_in(db, {"verify"}));
  require_ok(run_in(db, {"dump"}));
  auto got = run_in(db, {"get", "k2"});
  require_ok(got);
  CHECK(got.out == "v2\n");
  CHECK(slurp(db + "/notes.txt") == "mine");
  CHECK(slurp(db + "/wal-notes.log") == "also mine");
  CHECK(slurp(db + "/sub/file") == "nested");
}

// A file under a WAL segment's name that cannot be one: a sparse file over the 1 GiB limit,
// a symlink to /dev/zero (endless zeros), a FIFO (a read would wait forever for a writer).
// Each must get one clear error naming the file, exit 3 and never hang.
TEST_CASE("a WAL segment that is too large or not a regular file: one clear error, no hang",
          "[cli][bad-input]") {
  const std::string kind = GENERATE("sparse 2 GiB file", "symlink to /dev/zero", "FIFO");
  const bool beside_data = GENERATE(false, true);
  INFO(kind << (beside_data ? ", beside a real segment 1" : ", alone"));
  TempDir tmp;
  const std::string db = tmp.sub("db");
  fs::create_directory(db);
  std::string name = "wal-0000000000000001.log";
  if (beside_data) {
    require_ok(run_in(db, {"put", "k", "v"}));
    name = "wal-0000000000000002.log";
  }
  const std::string path = db + "/" + name;
  std::string what;
  if (kind == "sparse 2 GiB file") {
    std::ofstream(path).close();
    fs::resize_file(path, std::uintmax_t{2} << 30);
    what = "is 2147483648 bytes";
  } else if (kind == "symlink to /dev/zero") {
    fs::create_symlink("/dev/zero", path);
    what = "is a character device, not a regular file";
  } else {
    REQUIRE(::mkfifo(path.c_str(), 0644) == 0);
    what = "is a FIFO, not a regular file";
  }
  for (const std::string command : {"verify", "get", "dump", "scan"}) {
    INFO(command);
    std::vector<std::string> args = {command};
    if (command == "get") args = {"get", "k"};
    RunOptions options;
    options.timeout = std::chrono::seconds(60);
    auto r = run_in(db, args, options);
    REQUIRE_FALSE(r.timed_out);
    // verify and dump print their report on stdout; the verdict is the error line.
    require_error(RunResult{r.exit_code, "", r.err}, 3, path + " " + what);
  }
}

}  // namespace
}  // namespace walkv::clitest
