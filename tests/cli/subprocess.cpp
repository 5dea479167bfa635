#include "subprocess.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace walkv::clitest {
namespace {

struct Pipe {
  int read = -1, write = -1;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  return {fds[0], fds[1]};
}

void close_fd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Forks and execs walkv with the pipes as stdin/stdout/stderr. Exit 126: could not drop
// privileges, 127: could not exec.
pid_t spawn(const std::vector<std::string>& args, const Pipe& in, const Pipe& out, const Pipe& err,
            std::optional<uid_t> as_uid, const std::string& stdout_file = "") {
  // A child that exits early closes its stdin: writing to it must fail with EPIPE, not kill
  // the test process.
  static const bool sigpipe_ignored = ::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  (void)sigpipe_ignored;
  std::vector<std::string> argv_strings;
  argv_strings.push_back(cli_path());
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(in.read, STDIN_FILENO);
    if (stdout_file.empty()) {
      ::dup2(out.write, STDOUT_FILENO);
    } else {
      const int fd = ::open(stdout_file.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0) ::_exit(125);
    }
    ::dup2(err.write, STDERR_FILENO);
    if (as_uid) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(*as_uid) != 0 || ::setuid(*as_uid) != 0) {
        ::_exit(126);
      }
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

std::string cli_path() { return WALKV_CLI_PATH; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

RunResult run_cli(const std::vector<std::string>& args, const RunOptions& options) {
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  const pid_t pid = spawn(args, in, out, err, options.as_uid, options.stdout_file);
  close_fd(&in.read);
  close_fd(&out.write);
  close_fd(&err.write);
  ::fcntl(in.write, F_SETFL, O_NONBLOCK);

  RunResult result;
  std::size_t written = 0;
  if (options.input.empty()) close_fd(&in.write);
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  // Feed stdin and drain both outputs together so that no pipe fills up and deadlocks.
  while (out.read >= 0 || err.read >= 0) {
    int wait_ms = -1;
    if (options.timeout.count() > 0 && !result.timed_out) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        // Killing the child closes its ends of the pipes, which ends this loop.
        ::kill(pid, SIGKILL);
        result.timed_out = true;
        close_fd(&in.write);
      } else {
        wait_ms = static_cast<int>(left.count()) + 1;
      }
    }
    pollfd fds[3] = {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}, {in.write, POLLOUT, 0}};
    const int ready = ::poll(fds, 3, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    if (ready == 0) continue;
    if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
      const ssize_t n =
          ::write(in.write, options.input.data() + written, options.input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) written = options.input.size();  // EPIPE
      if (written == options.input.size()) close_fd(&in.write);
    }
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[65536];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close_fd(i == 0 ? &out.read : &err.read);
      }
    }
  }
  close_fd(&in.write);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = decode_status(status);
  return result;
}

Child::Child(const std::vector<std::string>& args) {
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  pid_ = spawn(args, in, out, err, std::nullopt);
  ::close(in.read);
  ::close(out.write);
  ::close(err.write);
  in_ = in.write;
  out_ = out.read;
  err_fd_ = err.read;
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  close_fd(&in_);
  close_fd(&out_);
  close_fd(&err_fd_);
}

bool Child::write(const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(in_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (const std::size_t nl = out_buffer_.find('\n'); nl != std::string::npos) {
      std::string line = out_buffer_.substr(0, nl);
      out_buffer_.erase(0, nl + 1);
      return line;
    }
    if (out_ < 0) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fd{out_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char buffer[4096];
    const ssize_t n = ::read(out_, buffer, sizeof buffer);
    if (n > 0) {
      out_buffer_.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      close_fd(&out_);
    }
    drain_stderr();
  }
}

void Child::close_input() { close_fd(&in_); }

void Child::drain_stderr() {
  char buffer[4096];
  while (err_fd_ >= 0) {
    const ssize_t n = ::read(err_fd_, buffer, sizeof buffer);
    if (n > 0) {
      err_.append(buffer, static_cast<std::size_t>(n));
    } else {
      if (n == 0) close_fd(&err_fd_);
      return;  // EAGAIN: nothing more for now
    }
  }
}

void Child::send_signal(int signo) {
  if (pid_ > 0) ::kill(pid_, signo);
}

void Child::drain_stdout_to_end() {
  while (out_ >= 0) {
    char buffer[4096];
    const ssize_t n = ::read(out_, buffer, sizeof buffer);
    if (n > 0) {
      out_buffer_.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      close_fd(&out_);
    }
  }
}

// Records the exit status of the reaped child and reads its stderr to the end.
int Child::reap(int status) {
  pid_ = -1;
  exit_code_ = decode_status(status);
  if (err_fd_ >= 0) ::fcntl(err_fd_, F_SETFL, 0);  // blocking: read to the end
  char buffer[4096];
  while (err_fd_ >= 0) {
    const ssize_t n = ::read(err_fd_, buffer, sizeof buffer);
    if (n > 0) {
      err_.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      close_fd(&err_fd_);
    }
  }
  return exit_code_;
}

int Child::wait() {
  close_input();
  if (pid_ > 0) {
    // Drain stdout so the child never blocks writing, then collect its exit status.
    drain_stdout_to_end();
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reap(status);
  }
  return exit_code_;
}

std::optional<int> Child::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      drain_stdout_to_end();  // the child is gone: the pipe ends after what it wrote
      return reap(status);
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    // Keep reading what it prints meanwhile, so that it never blocks on a full pipe.
    if (out_ >= 0) {
      pollfd fd{out_, POLLIN, 0};
      if (::poll(&fd, 1, 10) > 0) {
        char buffer[4096];
        const ssize_t n = ::read(out_, buffer, sizeof buffer);
        if (n > 0) out_buffer_.append(buffer, static_cast<std::size_t>(n));
        if (n == 0) close_fd(&out_);
      }
    } else {
      ::usleep(10000);
    }
    drain_stderr();
  }
  return exit_code_;
}

}  // namespace walkv::clitest
