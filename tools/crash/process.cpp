#include "process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "ack_stream.h"

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
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  auto place = [](int source, int target) {
    if (source == target) {
      ::fcntl(target, F_SETFD, 0);
    } else if (::dup2(source, target) < 0) {
      ::_exit(127);
    }
  };
  for (const auto& [target, source] : fds) place(source, target);
  if (stdout_fd >= 0) place(stdout_fd, 1);
  if (stderr_fd >= 0) place(stderr_fd, 2);
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
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
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
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace walkv::crash
