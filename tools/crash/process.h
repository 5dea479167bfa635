// Starting, feeding and reaping the simulator's own child processes.
#pragma once

#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace walkv::crash {

// A path that execs the running executable (so children run the same build, buggy or not,
// even if the file is replaced meanwhile). Valid in this process and its forked children.
std::string self_exe();

// Forks and execs `exe args...`. In the child, each {target, source} of `fds` is dup2'd to
// `target` (inheritable), stdout and stderr are redirected to the given fds (-1: inherit),
// and the child is SIGKILLed if the parent dies. Returns the pid, or -1 (errno set).
// Safe to call from several threads at once, provided every fd the parent opens is
// close-on-exec (else a concurrent child inherits it: a pipe's write end would then keep
// another trial's reader from seeing EOF). The death signal follows the calling *thread*
// (PR_SET_PDEATHSIG), so that thread must reap the child before it exits.
pid_t spawn(const std::string& exe, const std::vector<std::string>& args,
            const std::vector<std::pair<int, int>>& fds, int stdout_fd, int stderr_fd);

// waitpid, retrying on EINTR. Returns the raw status.
int wait_for(pid_t pid);

// "exit code 3", "killed by signal 11 (Segmentation fault)".
std::string describe_status(int status);

// Reads fd until EOF or until `timeout_ms` passes (then false). Appends to *out.
bool read_all(int fd, std::string* out, int timeout_ms);

// The last `max_bytes` of a file, for error messages ("" if unreadable).
std::string tail_of_file(const std::string& path, std::size_t max_bytes);

}  // namespace walkv::crash
