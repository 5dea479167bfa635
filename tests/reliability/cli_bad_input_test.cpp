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

// Each bad option value is named back, quoted, with the reason it was refused and a pointer
// to the help: "error: --flush-interval: '0' needs a unit (us, ms, s); see walkv --help".
void require_bad_value(const RunResult& r, const std::string& option, const std::string& value,
                       const std::string& reason) {
  require_error(r, 2, option + ": '" + value + "' " + reason);
  CHECK_THAT(r.err, Catch::EndsWith("; see walkv --help\n"));
}

struct BadValue {
  const char* value;
  const char* reason;
};

TEST_CASE("edge values of --flush-interval exit 2 and create nothing", "[cli][bad-input]") {
  TempDir tmp;
  const BadValue bad = GENERATE(values<BadValue>({
      {"0", "needs a unit (us, ms, s)"},
      {"0us", "is not above zero"},
      {"0s", "is not above zero"},
      {"0.4us", "is below the resolution of 1us"},
      {"-1ms", "is not above zero"},
      {"", "is not a duration"},
      {"1e400s", "has an unknown unit 'e400s'"},
      {"99999999999999999999999s", "is over the limit of 1 hour"},
      {" 5ms", "is not a duration"},
  }));
  INFO("--flush-interval '" << bad.value << "'");
  require_bad_value(run_in(tmp.sub("db"), {"--flush-interval", bad.value, "put", "k", "v"}),
                    "--flush-interval", bad.value, bad.reason);
  CHECK_FALSE(fs::exists(tmp.sub("db")));
}

TEST_CASE("edge values of --flush-bytes exit 2 and create nothing", "[cli][bad-input]") {
  TempDir tmp;
  const BadValue bad = GENERATE(values<BadValue>({
      {"-5", "is not above zero"},
      {"0K", "is not above zero"},
      {"", "is not a whole number of bytes"},
      {"1.5M", "is not a whole number of bytes"},
      {"99999999999999999999999", "is too large"},
      {"16E", "has an unknown unit 'E'"},
      {"5 ", "has an unknown unit ' '"},
  }));
  INFO("--flush-bytes '" << bad.value << "'");
  require_bad_value(run_in(tmp.sub("db"), {"--flush-bytes", bad.value, "put", "k", "v"}),
                    "--flush-bytes", bad.value, bad.reason);
  CHECK_FALSE(fs::exists(tmp.sub("db")));
}

TEST_CASE("a --flush-bytes just above --segment-bytes less 8K is refused with exit 2",
          "[cli][bad-input]") {
  TempDir tmp;
  // The default segment is 1 MiB, so the limit is 1016K.
  require_bad_value(run_in(tmp.sub("db"), {"--flush-bytes", "1017K", "put", "k", "v"}),
                    "--flush-bytes", "1017K",
                    "is above the limit of 1016.0 KiB (--segment-bytes 1.0 MiB less 8K)");
  CHECK_FALSE(fs::exists(tmp.sub("db")));
  // Exactly the limit is fine.
  require_ok(run_in(tmp.sub("db"), {"--flush-bytes", "1016K", "put", "k", "v"}));
  // The limit follows --segment-bytes: 9M less 8K is 9208K.
  require_bad_value(
      run_in(tmp.sub("db9"), {"--segment-bytes", "9M", "--flush-bytes", "9209K", "put", "k", "v"}),
      "--flush-bytes", "9209K", "is above the limit of 9.0 MiB (--segment-bytes 9.0 MiB less 8K)");
  CHECK_FALSE(fs::exists(tmp.sub("db9")));
  require_ok(
      run_in(tmp.sub("db9"), {"--segment-bytes", "9M", "--flush-bytes", "9208K", "put", "k", "v"}));
}

TEST_CASE("the --mode and --io-backend options accept only their documented words", "[cli][bad-input]") {
  TempDir tmp;
  const std::string mode = GENERATE("banana", "SYNC", "Async", "OS", "", "sync ");
  INFO("--mode '" << mode << "'");
  require_bad_value(run_in(tmp.sub("db"), {"--mode", mode, "put", "k", "v"}), "--mode", mode,
                    "is not a commit mode (sync, os, async)");
  require_bad_value(run_in(tmp.sub("db"), {"--io-backend", "", "put", "k", "v"}), "--io-backend",
                    "", "is not auto, uring or posix");
  CHECK_FALSE(fs::exists(tmp.sub("db")));
}

TEST_CASE("the --mode option accepts each documented word", "[cli][bad-input]") {
  TempDir tmp;
  const std::string mode = GENERATE("sync", "os", "async");
  INFO("--mode '" << mode << "'");
  require_ok(run_in(tmp.sub("db"), {"--mode", mode, "put", "k", "v"}));
  auto got = run_in(tmp.sub("db"), {"get", "k"});
  require_ok(got);
  CHECK(got.out == "v\n");
}

TEST_CASE("an empty --dir exits 2", "[cli][bad-input]") {
  require_error(run_cli({"--dir", "", "put", "k", "v"}), 2, "--dir: empty database directory");
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
  const auto lines = lines_of(r.out);
  INFO(r.out.substr(0, 2000));
  // Input from a pipe: once the session ends, the exit status is that of the first failed
  // command (2, an empty key) and one error line counts the failures.
  require_error(RunResult{r.exit_code, "", r.err}, 2,
                "3 of 6 commands failed; the first, line 1: ");
  CHECK_THAT(r.err, Catch::Contains("empty key"));
  CHECK(r.err.size() < 400);
  REQUIRE(lines.size() == 6);
  CHECK_THAT(lines[0], Catch::StartsWith("ERR "));
  CHECK_THAT(lines[0], Catch::Contains("empty key"));
  CHECK_THAT(lines[1], Catch::StartsWith("ERR "));
  CHECK_THAT(lines[1], Catch::Contains("16385"));
  CHECK(lines[1].size() < 400);  // the key is not echoed back in full
  CHECK_THAT(lines[2], Catch::StartsWith("ERR "));
  CHECK(lines[2].size() < 400);
  CHECK(lines[3] == "OK lsn=1");  // rejected writes used no LSN
  CHECK(lines[4] == "\"1\"");     // the shell quotes values
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
