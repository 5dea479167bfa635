// Writes all of a child process's answer to its standard output (fd 1), past EINTR and short
// writes: the recovery subcommands talk to the parent through a pipe.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string_view>

namespace walkv::crash {

inline bool write_stdout(std::string_view s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(1, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace walkv::crash
