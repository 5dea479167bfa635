// Every bad input of the walkv binary: its exit code (2 bad usage, 3 engine/I/O/corruption)
// and its one-line "error:" message on stderr.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

using namespace std::chrono_literals;

TEST_CASE("an unknown command exits 2", "[cli][errors]") {
  TempDir tmp;
  require_error(run_in(tmp.sub("db"), {"frobnicate", "k"}), 2, "unknown command 'frobnicate'");
  REQUIRE(!std::filesystem::exists(tmp.sub("db")));
}

TEST_CASE("an unknown option exits 2, before or after the command", "[cli][errors]") {
  TempDir tmp;
  require_error(run_in(tmp.sub("db"), {"--frob", "get", "k"}), 2, "unknown option '--frob'");
  require_error(run_in(tmp.sub("db"), {"get", "k", "--frob"}), 2, "unknown option '--frob'");
  require_error(run_in(tmp.sub("db"), {"put", "k", "v", "-x"}), 2, "unknown option '-x'");
}

TEST_CASE("a missing argument exits 2", "[cli][errors]") {
  TempDir tmp;
  require_error(run_in(tmp.sub("db"), {"put", "k"}), 2, "put: missing argument");
  require_error(run_in(tmp.sub("db"), {"get"}), 2, "get: missing argument");
  require_error(run_in(tmp.sub("db"), {"del"}), 2, "del: missing argument");
  require_error(run_in(tmp.sub("db"), {"--dir"}), 2, "--dir");
  require_error(run_cli({}), 2, "no command given");
}

TEST_CASE("an empty --dir exits 2 for every command", "[cli][errors]") {
  const std::string command = GENERATE("put", "get", "verify", "shell");
  INFO(command);
  std::vector<std::string> args = {"--dir", "", command};
  if (command == "put") args.insert(args.end(), {"k", "v"});
  if (command == "get") args.push_back("k");
  require_error(run_cli(args), 2, "--dir: empty database directory");
}

TEST_CASE("an unexpected extra argument exits 2", "[cli][errors]") {
  TempDir tmp;
  require_error(run_in(tmp.sub("db"), {"put", "k", "v", "extra"}), 2,
                "put: unexpected argument 'extra'");
}

TEST_CASE("a bad duration exits 2 and points to walkv --help", "[cli][errors]") {
  TempDir tmp;
  const std::string bad = GENERATE("5x", "5", "ms", "0ms", "-5ms", "1e3us", "0.1us", "2h");
  INFO(bad);
  auto r = run_in(tmp.sub("db"), {"--flush-interval", bad, "put", "k", "v"});
  require_error(r, 2, "--flush-interval: '" + bad + "' ");
  CHECK_THAT(r.err, Catch::EndsWith("; see walkv --help\n"));
  REQUIRE(!std::filesystem::exists(tmp.sub("db")));
}

TEST_CASE("a duration without a unit says which units there are", "[cli][errors]") {
  TempDir tmp;
  auto r = run_in(tmp.sub("db"), {"--flush-interval", "5", "put", "k", "v"});
  require_error(r, 2, "");
  CHECK(r.err == "error: --flush-interval: '5' needs a unit (us, ms, s); see walkv --help\n");
}

TEST_CASE("bad option values exit 2", "[cli][errors]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_error(run_in(db, {"--mode", "fast", "put", "k", "v"}), 2,
                "--mode: 'fast' is not a commit mode (sync, os, async); see walkv --help");
  require_error(run_in(db, {"--io-backend", "spdk", "put", "k", "v"}), 2,
                "--io-backend: 'spdk' is not auto, uring or posix; see walkv --help");
  require_error(run_in(db, {"--flush-bytes", "lots", "put", "k", "v"}), 2,
                "--flush-bytes: 'lots' is not a whole number of bytes");
  require_error(run_in(db, {"--flush-bytes", "0", "put", "k", "v"}), 2,
                "--flush-bytes: '0' is not above zero; see walkv --help");
  require_error(run_in(db, {"scan", "--limit", "-1"}), 2, "--limit");
  require_error(run_in(db, {"scan", "--limit", "x"}), 2, "; see walkv scan --help");
}

TEST_CASE("flush-bytes above the log buffer states the CLI's limit, not an engine field",
          "[cli][errors]") {
  TempDir tmp;
  auto r = run_in(tmp.sub("db"), {"--flush-bytes", "1G", "put", "k", "v"});
  require_error(r, 2,
                "--flush-bytes: '1G' is above the limit of 1016.0 KiB (--segment-bytes 1.0 MiB "
                "less 8K); see walkv --help");
  CHECK_THAT(r.err, !Catch::Contains("log_buffer_bytes"));
  // A larger segment raises the limit.
  require_ok(run_in(tmp.sub("db"), {"--segment-bytes", "4M", "--flush-bytes", "2M", "put", "k", "v"}));
}

TEST_CASE("an option-like key suggests --", "[cli][errors]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "--", "-k", "v"}));
  require_error(run_in(db, {"get", "-k"}), 2,
                "unknown option '-k'; a key or value that starts with '-' goes after '--' "
                "(walkv get -- KEY); see walkv get --help");
  require_error(run_in(db, {"put", "k", "-x"}), 2, "(walkv put -- KEY VALUE)");
  require_error(run_in(db, {"--frob", "stats"}), 2, "unknown option '--frob'");
  CHECK(run_in(db, {"get", "--", "-k"}).out == "v\n");
}

TEST_CASE("an escaped argument with a bad escape is refused before the database is touched",
          "[cli][errors]") {
  TempDir tmp;
  require_error(run_in(tmp.sub("db"), {"--escaped", "put", "k\\q", "v"}), 2,
                "--escaped: KEY 'k\\\\q': bad escape \\\\q");
  REQUIRE(!std::filesystem::exists(tmp.sub("db")));
}

TEST_CASE("an empty key is bad usage (exit 2)", "[cli][errors]") {
  TempDir tmp;
  require_error(run_in(tmp.sub("db"), {"put", "", "v"}), 2, "put \"\"");
}

TEST_CASE("a key over the engine's 16 KiB limit exits 2 with a short message", "[cli][errors]") {
  TempDir tmp;
  const std::string key(16 * 1024 + 1, 'k');
  auto r = run_in(tmp.sub("db"), {"put", key, "v"});
  require_error(r, 2, "(16385 bytes)");
  CHECK(r.err.size() < 400);
}

TEST_CASE("a value on stdin larger than the engine's limit exits 2", "[cli][errors]") {
  TempDir tmp;
  RunOptions big;
  big.input.assign(4 * 1024 * 1024 + 1, 'x');
  require_error(run_in(tmp.sub("db"), {"put", "k", "-"}, big), 2, "larger than 4.0 MiB");
}

TEST_CASE("a --dir that is a regular file exits 3", "[cli][errors]") {
  TempDir tmp;
  const std::string file = tmp.sub("file");
  std::ofstream(file) << "not a database\n";
  const std::string command = GENERATE("put", "get", "scan", "verify", "dump", "shell");
  INFO(command);
  std::vector<std::string> args = {command};
  if (command == "put") args = {"put", "k", "v"};
  if (command == "get") args = {"get", "k"};
  require_error(run_in(file, args), 3, file + " is not a directory");
  // A path beneath a regular file fails too.
  require_error(run_in(file + "/db", {"put", "k", "v"}), 3, "Not a directory");
}

TEST_CASE("an unreadable --dir exits 3", "[cli][errors]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  REQUIRE(::chmod(tmp.path().c_str(), 0755) == 0);
  REQUIRE(::chmod(db.c_str(), 0) == 0);

  RunOptions options;
  if (::geteuid() == 0) {
    // Root reads any directory whatever its mode, so run walkv as an unprivileged user.
    options.as_uid = 65534;  // nobody
    auto probe = run_cli({"--version"}, options);
    if (probe.exit_code != 0) {
      WARN("SKIPPED: running as root and cannot run " << cli_path() << " as uid 65534 (exit "
                                                      << probe.exit_code << ")");
      return;
    }
  }
  const std::string command = GENERATE("get", "put", "verify");
  INFO(command);
  std::vector<std::string> args = {command};
  if (command == "put") args = {"put", "k", "v"};
  if (command == "get") args = {"get", "k"};
  require_error(run_in(db, args, options), 3, "cannot access " + db + ": Permission denied");
}

TEST_CASE("a database locked by another process exits 3 with a clear message", "[cli][errors]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  Child holder({"--dir", db, "shell"});
  REQUIRE(holder.write("put held 1\n"));
  auto answer = holder.read_line(60s);
  REQUIRE(answer.has_value());
  REQUIRE_THAT(*answer, Catch::Equals("OK lsn=1"));  // the shell has the DB open

  require_error(run_in(db, {"get", "held"}), 3, "locked by another process");
  require_error(run_in(db, {"put", "k", "v"}), 3, "locked by another process");
  require_error(run_in(db, {"shell"}), 3, "locked by another process");

  // The holder is unaffected and releases the lock when it quits.
  REQUIRE(holder.write("get held\nquit\n"));
  REQUIRE(holder.read_line(60s) == std::optional<std::string>("\"1\""));
  REQUIRE(holder.read_line(60s) == std::optional<std::string>("bye"));
  REQUIRE(holder.wait() == 0);
  REQUIRE(run_in(db, {"get", "held"}).out == "1\n");
}

TEST_CASE("output that cannot be written exits 3, for every command", "[cli][errors]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "a", "1"}));
  const std::string command =
      GENERATE("get", "get --raw", "scan", "stats", "verify", "dump", "put", "del", "checkpoint",
               "shell", "--help");
  INFO(command);
  std::vector<std::string> args;
  RunOptions full;
  full.stdout_file = "/dev/full";
  if (command == "get") args = {"get", "a"};
  if (command == "get --raw") args = {"get", "--raw", "a"};
  if (command == "put") args = {"put", "b", "2"};
  if (command == "del") args = {"del", "b"};
  if (command == "shell") {
    args = {"shell"};
    full.input = "get a\nput c 3\n";
  }
  if (args.empty()) args = {command};
  require_error(run_in(db, args, full), 3, "writing standard output: No space left on device");
  // The write itself happened: only its acknowledgement could not be printed.
  if (command == "put") CHECK(run_in(db, {"get", "b"}).out == "2\n");
}

TEST_CASE("a shell whose answers cannot be written stops and closes the database",
          "[cli][errors][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  RunOptions full;
  full.stdout_file = "/dev/full";
  full.input = "put a 1\nput b 2\nput c 3\n";
  require_error(run_in(db, {"--mode", "async", "--flush-interval", "10s", "shell"}, full), 3,
                "writing standard output: No space left on device");
  // The first put was acknowledged (its answer lost), so it must be on disk; the shell ran
  // no command after the failed answer.
  CHECK(run_in(db, {"get", "a"}).out == "1\n");
  CHECK(run_in(db, {"get", "b"}).exit_code == 1);
}

TEST_CASE("a scan into a full device stops at the first failed write", "[cli][errors]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  std::string script;
  for (int i = 0; i < 20000; ++i) script += "put key" + std::to_string(i) + " value\n";
  require_ok(run_in(db, {"--mode", "async", "shell"}, RunOptions{script, {}}));
  RunOptions full;
  full.stdout_file = "/dev/full";
  require_error(run_in(db, {"scan"}, full), 3, "writing standard output: No space left on device");
}

// Flips `count` bytes of `path` at `offset`.
void flip_bytes(const std::string& path, std::uint64_t offset, int count) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  for (int i = 0; i < count; ++i) {
    f.seekg(static_cast<std::streamoff>(offset) + i);
    const int c = f.get();
    REQUIRE(c != EOF);
    f.seekp(static_cast<std::streamoff>(offset) + i);
    f.put(static_cast<char>(c ^ 0xFF));
  }
  REQUIRE(f.good());
}

TEST_CASE("a corrupt WAL makes verify exit 3 naming the segment and offset", "[cli][errors]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  // Sync mode: each record is durable before the next is written, so the damage below is
  // inside the durable log (corruption), not a torn tail.
  std::string input;
  for (int i = 1; i <= 20; ++i)
    input += "put key" + std::to_string(i) + " value" + std::to_string(i) + "\n";
  require_ok(run_in(db, {"--mode", "sync", "shell"}, RunOptions{input, {}}));

  auto dump = run_in(db, {"dump"});
  require_ok(dump);
  std::smatch m;
  REQUIRE(std::regex_search(dump.out, m, std::regex(R"(segment=(\d+) offset=(\d+) lsn=10 )")));
  const std::uint64_t segment = std::stoull(m[1]);
  const std::uint64_t offset = std::stoull(m[2]);
  char name[64];
  std::snprintf(name, sizeof name, "/wal-%016llx.log", static_cast<unsigned long long>(segment));
  const std::string wal = db + name;
  REQUIRE(std::filesystem::exists(wal));
  const auto size_before = std::filesystem::file_size(wal);

  flip_bytes(wal, offset + 42, 3);  // inside record 10's payload (40-byte header)

  auto verify = run_in(db, {"verify"});
  // Corruption names the segment file and the offset of the damaged record.
  const std::string where = std::string(name + 1) + " offset " + std::to_string(offset);
  require_error(RunResult{verify.exit_code, "", verify.err}, 3, where);
  CHECK_THAT(verify.out, Catch::Contains("result     CORRUPT: "));
  CHECK_THAT(verify.out, Catch::Contains("tail       not judged: the log is damaged"));
  CHECK_THAT(verify.out, Catch::Contains("records    9 (lsn 1..9,"));

  auto dump_again = run_in(db, {"dump"});
  REQUIRE(dump_again.exit_code == 3);
  CHECK(lines_of(dump_again.out).size() == 10);  // records 1..9 and the summary
  CHECK_THAT(dump_again.err, Catch::Contains(where));

  // Opening refuses too, and nothing above trimmed or rewrote the file.
  require_error(run_in(db, {"get", "key1"}), 3, "cannot open " + db);
  REQUIRE(std::filesystem::file_size(wal) == size_before);
  flip_bytes(wal, offset + 42, 3);  // undo: the log is whole again
  auto healed = run_in(db, {"get", "key20"});
  require_ok(healed);
  REQUIRE(healed.out == "value20\n");
}

}  // namespace
}  // namespace walkv::clitest
