// Signals to `walkv shell` driven through a pipe: SIGTERM and SIGHUP close the database
// before the process ends, so acknowledged async writes survive; SIGINT never ends the shell
// and stops a running scan early. (At a terminal: cli_terminal_test.cpp.)
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

using namespace std::chrono_literals;

// An async flush interval far longer than any test: whatever reaches the disk before the
// process ends got there because the shell closed the database.
const std::vector<std::string> kSlowAsync = {"--mode", "async", "--flush-interval", "10s"};

std::vector<std::string> shell_args(const std::string& db) {
  std::vector<std::string> args = {"--dir", db};
  args.insert(args.end(), kSlowAsync.begin(), kSlowAsync.end());
  args.push_back("shell");
  return args;
}

// The scheduler state of the child's main thread ('R' running, 'S' sleeping, ...).
char thread_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');  // the command name may hold blanks
  return paren == std::string::npos || paren + 2 >= text.size() ? '?' : text[paren + 2];
}

TEST_CASE("SIGTERM and SIGHUP close a piped shell's database: acknowledged writes survive",
          "[cli][shell][signals]") {
  const int signo = GENERATE(SIGTERM, SIGHUP);
  INFO("signal " << signo);
  TempDir tmp;
  const std::string db = tmp.sub("db");
  Child shell(shell_args(db));
  REQUIRE(shell.write("put lost 1\nput also 2\n"));
  const auto first = shell.read_line(60s);
  const auto second = shell.read_line(60s);
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  REQUIRE_THAT(*first, Catch::Equals("OK lsn=1"));
  REQUIRE_THAT(*second, Catch::Equals("OK lsn=2"));

  shell.send_signal(signo);
  // stdin stays open: the signal, not the end of input, ends the shell.
  const auto code = shell.wait_exit(60s);
  REQUIRE(code.has_value());
  CHECK(*code == 128 + signo);
  CHECK(only_warnings(shell.err()));

  auto get = run_in(db, {"get", "lost"});
  require_ok(get);
  CHECK(get.out == "1\n");
  CHECK(run_in(db, {"get", "also"}).out == "2\n");
}

TEST_CASE("SIGINT does not end a piped shell", "[cli][shell][signals]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  Child shell(shell_args(db));
  REQUIRE(shell.write("put a 1\n"));
  REQUIRE_THAT(shell.read_line(60s).value_or(""), Catch::Equals("OK lsn=1"));
  shell.send_signal(SIGINT);
  std::this_thread::sleep_for(100ms);  // let it arrive while the shell waits for input
  REQUIRE(shell.write("get a\n"));
  REQUIRE(shell.read_line(60s) == std::optional<std::string>("\"1\""));
  REQUIRE(shell.write("put b 2\nquit\n"));
  REQUIRE_THAT(shell.read_line(60s).value_or(""), Catch::Equals("OK lsn=2"));
  REQUIRE(shell.read_line(60s) == std::optional<std::string>("bye"));
  REQUIRE(shell.wait() == 0);
  CHECK(only_warnings(shell.err()));
  CHECK(run_in(db, {"get", "b"}).out == "2\n");
}

TEST_CASE("SIGINT stops a long scan early with what it found, and the shell goes on",
          "[cli][shell][signals]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  // Enough keys that scanning them all takes the shell most of a second or more.
  constexpr int kKeys = 400000;
  std::string script;
  script.reserve(kKeys * 16);
  char line[32];
  for (int i = 0; i < kKeys; ++i) {
    std::snprintf(line, sizeof line, "put k%07d v\n", i);
    script += line;
  }
  auto fill = run_in(db, {"--mode", "async", "shell"}, RunOptions{script, {}});
  require_ok(fill);
  REQUIRE(lines_of(fill.out).size() == kKeys);

  Child shell(shell_args(db));
  REQUIRE(shell.write("get k0000001\n"));
  REQUIRE(shell.read_line(60s) == std::optional<std::string>("\"v\""));  // open and recovered
  REQUIRE(shell.write("scan \"\" 1000000\n"));
  // Interrupt once the shell is busy with the scan, not while it still waits for the line.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (thread_state(shell.pid()) != 'R' && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(20ms);
  shell.send_signal(SIGINT);

  // One line per pair, then the closing line: the first line not indented.
  std::size_t pairs = 0;
  std::string answer;
  while (true) {
    auto next = shell.read_line(60s);
    REQUIRE(next.has_value());
    answer = std::move(*next);
    if (answer.rfind("  ", 0) != 0) break;
    if (pairs == 0) CHECK(answer == "  \"k0000000\" \"v\"");
    if (pairs == 1) CHECK(answer == "  \"k0000001\" \"v\"");
    ++pairs;
  }
  CHECK(answer == "(" + std::to_string(pairs) + " pairs, interrupted)");
  CHECK(pairs < std::size_t{kKeys});  // not every pair

  REQUIRE(shell.write("get k0399999\nquit\n"));
  REQUIRE(shell.read_line(60s) == std::optional<std::string>("\"v\""));
  REQUIRE(shell.read_line(60s) == std::optional<std::string>("bye"));
  REQUIRE(shell.wait() == 0);
  CHECK(only_warnings(shell.err()));
}

TEST_CASE("the end of a piped shell's input still closes it cleanly", "[cli][shell][signals]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  Child shell(shell_args(db));
  REQUIRE(shell.write("put k v\n"));
  REQUIRE_THAT(shell.read_line(60s).value_or(""), Catch::Equals("OK lsn=1"));
  REQUIRE(shell.wait() == 0);
  CHECK(only_warnings(shell.err()));
  CHECK(run_in(db, {"get", "k"}).out == "v\n");
}

}  // namespace
}  // namespace walkv::clitest
