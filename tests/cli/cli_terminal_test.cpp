// `walkv shell` at a terminal (a pseudo-terminal): prompt, line editing and history.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

using namespace std::chrono_literals;

// A walkv child on the slave side of a pseudo-terminal; the test types on the master side.
class Terminal {
 public:
  Terminal(const std::string& home, const std::vector<std::string>& args) {
    std::vector<std::string> argv_strings = {cli_path()};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_ = ::forkpty(&master_, nullptr, nullptr, nullptr);
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::setenv("HOME", home.c_str(), 1);
      ::setenv("TERM", "xterm", 1);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  ~Terminal() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }

  void send_signal(int signo) { ::kill(pid_, signo); }

  // Waits until libedit has put the terminal in raw mode, i.e. it is reading keys. Keys
  // typed earlier go through the kernel's line discipline instead (echoed and edited by
  // it, and a Ctrl-D there is an end-of-file libedit never sees). On Linux the master
  // side reports the terminal's settings.
  void expect_reading() {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    termios mode{};
    while (::tcgetattr(master_, &mode) == 0 && (mode.c_lflag & ICANON) != 0) {
      if (std::chrono::steady_clock::now() > deadline) FAIL("the terminal never left line mode");
      ::usleep(1000);
    }
  }

  void type(const std::string& keys) {
    REQUIRE(::write(master_, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  }

  // Reads the screen output until it contains `text` after what earlier waits consumed.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (const auto at = screen_.find(text, consumed_); at != std::string::npos) {
        consumed_ = at + text.size();
        return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd fd{master_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(master_, buffer, sizeof buffer);
      if (n <= 0) return false;  // EIO: the child closed the terminal
      screen_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  // wait_for(), failing the test with the screen so far if `text` does not appear.
  void expect(const std::string& text) {
    if (!wait_for(text)) FAIL("'" << text << "' did not appear; the screen shows:\n" << screen_);
  }

  // Waits for the child to exit (reading what it prints meanwhile); its exit code, or the
  // test fails with the screen if it is still running after `timeout`.
  int wait(std::chrono::milliseconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      pollfd fd{master_, POLLIN, 0};
      if (::poll(&fd, 1, 50) > 0) {
        char buffer[4096];
        const ssize_t n = ::read(master_, buffer, sizeof buffer);
        if (n > 0) screen_.append(buffer, static_cast<std::size_t>(n));
        if (n <= 0) ::usleep(10000);  // EIO once the child closed the terminal
      }
    }
    FAIL("walkv did not exit; the screen shows:\n" << screen_);
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  std::string screen_;
  std::size_t consumed_ = 0;
};

TEST_CASE("at a terminal the shell prompts, edits lines and keeps history", "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string home = tmp.sub("home");
  std::filesystem::create_directory(home);
  {
    Terminal term(home, {"--dir", db, "--mode", "async", "shell"});
    term.expect("Type help");
    term.expect("walkv:async> ");
    term.expect_reading();
    term.type("put k v1\r");
    term.expect("OK lsn=1");
    term.expect("walkv:async> ");
    term.expect_reading();
    term.type("mode sync\r");
    term.expect("OK mode=sync");
    term.expect("walkv:sync> ");  // the prompt shows the mode
    term.expect_reading();
    // Up arrow twice recalls "put k v1"; backspace and "2" turn it into "put k v2".
    term.type(
        "\x1b[A\x1b[A\x7f"
        "2\r");
    term.expect("OK lsn=2");
    term.expect("walkv:sync> ");
    term.expect_reading();
    term.type("get k\r");
    term.expect("\n\"v2\"\r\n");
    term.expect("walkv:sync> ");
    term.expect_reading();
    term.type("quit\r");
    term.expect("bye");
    REQUIRE(term.wait() == 0);
  }
  REQUIRE(run_in(db, {"get", "k"}).out == "v2\n");

  // The history survives into the next session's file.
  std::ifstream history(home + "/.walkv_history");
  std::stringstream contents;
  contents << history.rdbuf();
  CHECK_THAT(contents.str(), Catch::Contains("v2"));
  CHECK_THAT(contents.str(), Catch::Contains("mode"));
}

TEST_CASE("at a terminal, Tab completes command names", "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string home = tmp.sub("home");
  std::filesystem::create_directory(home);
  Terminal term(home, {"--dir", db, "shell"});
  term.expect("walkv:sync> ");
  term.expect_reading();
  // "pu" + Tab types "put "; "che" + Tab types "checkpoint ".
  term.type("pu\tk v\r");
  term.expect("OK lsn=1");
  term.expect("walkv:sync> ");
  term.expect_reading();
  term.type("G\tk\r");  // case-insensitive: "G" completes to "Get"
  term.expect("\"v\"");
  term.expect("walkv:sync> ");
  term.expect_reading();
  // "s" is ambiguous: Tab lists scan, sync and stats; the line stays for more typing.
  term.type("s\t");
  term.expect("scan  sync  stats");
  term.type("ta\t\r");
  term.expect("process.commits");
  term.expect("walkv:sync> ");
  term.expect_reading();
  term.type("quit\r");
  term.expect("bye");
  REQUIRE(term.wait() == 0);
}

TEST_CASE("at a terminal, Ctrl-D leaves the shell and async writes are kept", "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string home = tmp.sub("home");
  std::filesystem::create_directory(home);
  {
    Terminal term(home, {"--dir", db, "--mode", "async", "--flush-interval", "1s", "shell"});
    term.expect("walkv:async> ");
    term.expect_reading();
    term.type("put \"a b\" \"c d\"\r");
    term.expect("OK lsn=1");
    term.expect("walkv:async> ");
    term.expect_reading();
    term.type("\x04");
    REQUIRE(term.wait() == 0);
  }
  REQUIRE(run_in(db, {"get", "a b"}).out == "c d\n");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

TEST_CASE("at a terminal, Ctrl-C cancels the line being typed and the shell goes on",
          "[cli][shell][signals]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string home = tmp.sub("home");
  std::filesystem::create_directory(home);
  {
    Terminal term(home, {"--dir", db, "--mode", "async", "--flush-interval", "10s", "shell"});
    term.expect("walkv:async> ");
    term.expect_reading();
    term.type("put lost 1");
    term.expect("put lost 1");
    term.type("\x03");  // Ctrl-C: the terminal sends SIGINT
    term.expect("walkv:async> ");
    term.expect_reading();
    term.type("get lost\r");
    term.expect("(not found)");  // the cancelled line was not run
    term.expect("walkv:async> ");
    term.expect_reading();
    term.type("put kept 2\r");
    term.expect("OK lsn=1");
    term.expect("walkv:async> ");
    term.type("quit\r");
    term.expect("bye");
    REQUIRE(term.wait() == 0);
  }
  CHECK(run_in(db, {"get", "kept"}).out == "2\n");
  CHECK(run_in(db, {"get", "lost"}).exit_code == 1);
}

TEST_CASE("at a terminal, SIGTERM and SIGHUP close the database: acknowledged writes survive",
          "[cli][shell][signals]") {
  const int signo = GENERATE(SIGTERM, SIGHUP);
  INFO("signal " << signo);
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string home = tmp.sub("home");
  std::filesystem::create_directory(home);
  {
    Terminal term(home, {"--dir", db, "--mode", "async", "--flush-interval", "10s", "shell"});
    term.expect("walkv:async> ");
    term.expect_reading();
    term.type("put lost 1\r");
    term.expect("OK lsn=1");
    term.expect("walkv:async> ");
    term.expect_reading();
    // History reaches its file after each command, not only when the shell ends.
    // (libedit escapes blanks in the file: put\040lost\0401)
    CHECK_THAT(slurp(home + "/.walkv_history"), Catch::Contains("lost"));
    term.type("put half");  // a line being typed when the signal comes is not run
    term.expect("put half");
    term.send_signal(signo);
    REQUIRE(term.wait() == 128 + signo);
  }
  CHECK(run_in(db, {"get", "lost"}).out == "1\n");
  CHECK(run_in(db, {"get", "half"}).exit_code == 1);
}

}  // namespace
}  // namespace walkv::clitest
