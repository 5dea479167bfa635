#include "output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "exit_codes.h"

namespace walkv::cli {
namespace {

int g_first_errno = 0;  // errno of the first failed write or flush; 0 while all went well

void note_failure(int err) {
  if (g_first_errno == 0) g_first_errno = err != 0 ? err : EIO;
}

}  // namespace

void out(std::string_view text) {
  if (text.empty()) return;
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) note_failure(errno);
}

bool flush_output() {
  errno = 0;
  if (std::fflush(stdout) != 0) note_failure(errno);
  // The error indicator also catches a failure of a write outside out() (CLI11's help text,
  // libedit's prompt), whose errno is gone by now.
  if (std::ferror(stdout)) note_failure(0);
  return g_first_errno == 0;
}

bool output_failed() { return g_first_errno != 0 || std::ferror(stdout); }

int report_output_error() {
  const int err = g_first_errno != 0 ? g_first_errno : EIO;
  return report_error(kExitFailure, fmt::format("writing standard output: {}", std::strerror(err)));
}

int finish_output(int code) {
  if (flush_output() || (code != kExitOk && code != kExitNotFound)) return code;
  return report_output_error();
}

}  // namespace walkv::cli
