#include "process.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "ack_stream.h"
#include "sys_error.h"

namespace walkv::crash {

std::string self_exe() {
  // Hold the running binary open and exec it through /proc/self/fd: a rebuild that replaces
  // the file during a run then cannot make the children run different code (or fail).
  static const int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  return fmt::format("/proc/self/fd/{}", fd);
}

pid_t spawn(const std::string& exe, const std::vector<std::string>& args,
            const std::vector<std::pair<int, int>>& fds, int stdout_fd, int stderr_fd) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls
  // (other trial threads may hold malloc's or stdio's locks at the moment of the fork).
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::pair<int, int>> moves = fds;  // {target, source}
  if (stdout_fd >= 0) moves.emplace_back(1, stdout_fd);
  if (stderr_fd >= 0) moves.emplace_back(2, stderr_fd);
  int above_targets = 3;
  for (const auto& [target, source] : moves) above_targets = std::max(above_targets, target + 1);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  // A source can have the number of another move's target: with many trials in flight the
  // parent's own fds reach 100 and beyond. So first copy every source above all targets
  // (close-on-exec copies), then place them; no dup2 can then overwrite a pending source.
  for (auto& move : moves) {
    move.second = ::fcntl(move.second, F_DUPFD_CLOEXEC, above_targets);
    if (move.second < 0) ::_exit(127);
  }
  for (const auto& [target, source] : moves) {
    if (::dup2(source, target) < 0) ::_exit(127);
  }
  ::execv(exe.c_str(), argv.data());
  ::_exit(127);
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {} ({})", WTERMSIG(status),
                       signal_text(WTERMSIG(status)));
  }
  return fmt::format("status {}", status);
}

bool read_all(int fd, std::string* out, int timeout_ms) {
  const std::uint64_t deadline = monotonic_ns() + std::uint64_t(timeout_ms) * 1000000ULL;
  char buf[64 * 1024];
  for (;;) {
    const std::uint64_t now = monotonic_ns();
    if (now >= deadline) return false;
    pollfd p{fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>((deadline - now) / 1000000ULL) + 1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return true;
    out->append(buf, static_cast<std::size_t>(n));
  }
}

std::string tail_of_file(const std::string& path, std::size_t max_bytes) {
  // Not an ifstream: its fd would not be close-on-exec, and a child that another trial
  // thread forks meanwhile would inherit it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st {};
  const std::uint64_t size = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  const std::uint64_t from = size > max_bytes ? size - max_bytes : 0;
  std::string s(size - from, '\0');
  std::size_t got = 0;
  while (got < s.size()) {
    const ssize_t n = ::pread(fd, s.data() + got, s.size() - got, static_cast<off_t>(from + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  s.resize(got);
  if (from > 0) s = "..." + s;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace walkv::crash
