#include "exit_codes.h"

#include <fmt/core.h>

#include <cstdio>
#include <string>

#include "escape.h"

namespace walkv::cli {

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kNotFound:
      return kExitNotFound;
    case Status::Code::kInvalidArgument:
      return kExitUsage;
    case Status::Code::kCorruption:
    case Status::Code::kIOError:
    case Status::Code::kBusy:
    case Status::Code::kNotSupported:
    case Status::Code::kTimedOut:
    case Status::Code::kFailed:
      return kExitFailure;
  }
  return kExitFailure;
}

int report_error(int code, std::string_view message) {
  // escape_bytes() keeps the report on one line whatever bytes a key or path holds. One
  // fwrite, not fmt::print: a failing stderr must not throw from the error path itself.
  const std::string line = fmt::format("error: {}\n", escape_bytes(message));
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  return code;
}

int report_status(std::string_view context, const Status& status) {
  if (context.empty()) return report_error(exit_code_for(status), status.ToString());
  return report_error(exit_code_for(status), fmt::format("{}: {}", context, status.ToString()));
}

}  // namespace walkv::cli
