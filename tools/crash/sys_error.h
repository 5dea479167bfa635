// Error and signal descriptions that are safe to build on several threads at once: POSIX
// lets strerror and strsignal return a static buffer, and with --jobs the parent formats
// errors from several trial threads.
#pragma once

#include <cstring>
#include <mutex>
#include <string>

namespace walkv::crash {

namespace detail {
// strerror_r is the XSI variant (int) or the GNU one (char*), depending on feature macros.
inline const char* strerror_result(int rc, const char* buf) {
  return rc == 0 ? buf : "unknown error";
}
inline const char* strerror_result(const char* text, const char*) { return text; }
}  // namespace detail

inline std::string errno_text(int err) {
  char buf[256] = {};
  return detail::strerror_result(::strerror_r(err, buf, sizeof buf), buf);
}

inline std::string signal_text(int sig) {
  // No reentrant strsignal in POSIX: only this function calls it, one thread at a time.
  static std::mutex mu;
  std::lock_guard lock(mu);
  const char* text = ::strsignal(sig);
  return text ? text : "unknown signal";
}

}  // namespace walkv::crash
