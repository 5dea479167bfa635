#include "signals.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>

namespace walkv::cli::signals {
namespace {

// Only lock-free atomics may be touched from a signal handler.
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

std::atomic<bool> g_interrupt{false};
std::atomic<int> g_terminate{0};
std::atomic<bool> g_suspend{false};
std::atomic<bool> g_continue{false};
std::atomic<bool> g_resize{false};
std::atomic<int> g_wake_write{-1};
int g_wake_read = -1;

constexpr int kShellSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kTerminalSignals[] = {SIGTSTP, SIGCONT, SIGWINCH};

extern "C" void on_signal(int signo) {
  const int saved_errno = errno;
  switch (signo) {
    case SIGINT:
      g_interrupt.store(true);
      break;
    case SIGTERM:
    case SIGHUP: {
      int none = 0;
      g_terminate.compare_exchange_strong(none, signo);
      break;
    }
    case SIGTSTP:
      g_suspend.store(true);
      break;
    case SIGCONT:
      g_continue.store(true);
      break;
    case SIGWINCH:
      g_resize.store(true);
      break;
    default:
      break;
  }
  // The pipe is non-blocking: when it is full, a wake-up is pending already.
  const char byte = 1;
  if (const int fd = g_wake_write.load(); fd >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(fd, &byte, 1);
  }
  errno = saved_errno;
}

sigset_t all_handled() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kShellSignals) sigaddset(&set, s);
  for (int s : kTerminalSignals) sigaddset(&set, s);
  return set;
}

bool set_action(int signo, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  // No nesting of our handlers. SA_RESTART: a write to stdout or a terminal call that a
  // signal interrupts is resumed, not turned into an I/O error; poll() is never restarted,
  // which is what wakes the reader (and the self-pipe covers the rest).
  action.sa_mask = all_handled();
  action.sa_flags = handler == SIG_DFL || handler == SIG_IGN ? 0 : SA_RESTART;
  return ::sigaction(signo, &action, nullptr) == 0;
}

// Catches `signo` unless it was ignored when walkv started: `nohup` ignores SIGHUP, and a
// shell without job control ignores SIGINT for background commands; that choice stands.
// *previous receives the action in place.
bool catch_signal(int signo, struct sigaction* previous) {
  if (::sigaction(signo, nullptr, previous) != 0) return false;
  if (previous->sa_handler == SIG_IGN) return true;
  return set_action(signo, on_signal);
}

// The actions TerminalSignals replaced, restored by its destructor.
struct sigaction g_terminal_previous[std::size(kTerminalSignals)];

void drain_wake_pipe() {
  char buffer[64];
  while (::read(g_wake_read, buffer, sizeof buffer) > 0) {
  }
}

}  // namespace

BlockInNewThreads::BlockInNewThreads() {
  const sigset_t set = all_handled();
  ::pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
}

BlockInNewThreads::~BlockInNewThreads() { ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr); }

bool install_shell_handlers(std::string* error) {
  if (g_wake_read < 0) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      *error = std::string("cannot create the signal pipe: ") + std::strerror(errno);
      return false;
    }
    g_wake_read = fds[0];
    g_wake_write.store(fds[1]);
  }
  for (int s : kShellSignals) {
    struct sigaction previous {};
    if (!catch_signal(s, &previous)) {
      *error = std::string("cannot install a signal handler: ") + std::strerror(errno);
      return false;
    }
  }
  set_action(SIGPIPE, SIG_IGN);
  return true;
}

TerminalSignals::TerminalSignals() {
  for (std::size_t i = 0; i < std::size(kTerminalSignals); ++i) {
    catch_signal(kTerminalSignals[i], &g_terminal_previous[i]);
  }
}

TerminalSignals::~TerminalSignals() {
  for (std::size_t i = 0; i < std::size(kTerminalSignals); ++i) {
    ::sigaction(kTerminalSignals[i], &g_terminal_previous[i], nullptr);
  }
  g_suspend.store(false);
  g_continue.store(false);
}

bool interrupted() { return g_interrupt.load(); }
void clear_interrupt() { g_interrupt.store(false); }
int terminating_signal() { return g_terminate.load(); }
bool take_suspend() { return g_suspend.exchange(false); }
bool take_continue() { return g_continue.exchange(false); }
bool take_resize() { return g_resize.exchange(false); }

Wake wait_for_input(int fd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {g_wake_read, POLLIN, 0}};
  while (true) {
    const int ready = ::poll(fds, g_wake_read >= 0 ? 2 : 1, -1);
    if (ready < 0) {
      if (errno == EINTR) return Wake::kSignal;
      return Wake::kInput;  // let read() report the problem
    }
    if (g_wake_read >= 0 && (fds[1].revents & POLLIN) != 0) {
      // Drained before the caller looks at the flags: a signal after this point leaves a
      // byte for the next poll, so none is missed.
      drain_wake_pipe();
      return Wake::kSignal;
    }
    if (fds[0].revents != 0) return Wake::kInput;
  }
}

void stop_process() {
  struct sigaction ours {};
  ::sigaction(SIGTSTP, nullptr, &ours);
  set_action(SIGTSTP, SIG_DFL);
  sigset_t tstp;
  sigemptyset(&tstp);
  sigaddset(&tstp, SIGTSTP);
  ::pthread_sigmask(SIG_UNBLOCK, &tstp, nullptr);
  ::raise(SIGTSTP);  // the default action stops the process here until SIGCONT
  ::sigaction(SIGTSTP, &ours, nullptr);
}

int die_by(int signo) {
  set_action(signo, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(signo);
  return 128 + signo;
}

}  // namespace walkv::cli::signals
