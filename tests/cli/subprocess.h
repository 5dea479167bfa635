// Runs the real `walkv` binary for the CLI tests: one-shot runs with stdin fed and stdout and
// stderr captured, and a long-lived child driven line by line through pipes (a `walkv shell`
// that keeps its database open). Not thread-safe; tests are single-threaded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace walkv::clitest {

// The walkv binary under test (WALKV_CLI_PATH from CMake).
std::string cli_path();

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + signal number
  std::string out;
  std::string err;
  bool timed_out = false;  // killed (SIGKILL) after RunOptions::timeout
};

struct RunOptions {
  RunOptions() = default;
  explicit RunOptions(std::string stdin_input, std::optional<uid_t> uid = std::nullopt)
      : input(std::move(stdin_input)), as_uid(uid) {}

  std::string input;            // written to the child's stdin, then stdin is closed
  std::optional<uid_t> as_uid;  // setgid/setuid to this id before exec (needs root)
  // Non-empty: the child's stdout is this file (e.g. /dev/full) instead of a captured pipe.
  std::string stdout_file;
  // Non-zero: the child is killed with SIGKILL if it runs longer, so a hang fails a test
  // instead of blocking the suite.
  std::chrono::milliseconds timeout{0};
};

// Runs `walkv args...` to completion.
RunResult run_cli(const std::vector<std::string>& args, const RunOptions& options = {});

// The lines of `text` (split on '\n', a final newline ends the last line).
std::vector<std::string> lines_of(const std::string& text);

// A running `walkv args...` whose stdin stays open until close_input().
class Child {
 public:
  explicit Child(const std::vector<std::string>& args);
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();  // kills the child if still running

  bool write(const std::string& data);
  // The next stdout line (without '\n'), or nullopt on end of output or timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  void close_input();
  // Closes stdin and waits; returns the exit code (128 + signal if killed).
  int wait();
  // Waits for the child to exit on its own, stdin left open (so that end of input is not
  // what ends it); its exit code, or nullopt if it still runs after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Sends `signo` to the child.
  void send_signal(int signo);
  pid_t pid() const { return pid_; }
  // Everything the child wrote on stderr (complete after wait()).
  const std::string& err() const { return err_; }

 private:
  void drain_stderr();
  void drain_stdout_to_end();
  int reap(int status);

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_fd_ = -1;
  std::string out_buffer_;
  std::string err_;
  int exit_code_ = -1;
};

}  // namespace walkv::clitest
