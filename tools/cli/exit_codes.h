// Exit codes of the `walkv` tool and the one-line error report that goes with them.
//
// The contract (README, "The walkv command-line tool"): 0 success, 1 "not found", 2 bad usage, 3 an engine, I/O or
// corruption error. Every failure prints exactly one line on stderr starting with "error:"
// (a missing key prints "(not found)" instead, as `get` promises).
#pragma once

#include <string_view>

#include "walkv/status.h"

namespace walkv::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitNotFound = 1,
  kExitUsage = 2,
  kExitFailure = 3,
};

// NotFound -> 1, InvalidArgument (the caller's input or options) -> 2, anything else -> 3.
// OK -> 0.
int exit_code_for(const Status& status);

// Prints "error: <message>" on stderr as one line (control bytes escaped) and returns `code`.
int report_error(int code, std::string_view message);

// report_error(exit_code_for(status), "<context>: <status>"), or just "<status>" when
// context is empty.
int report_status(std::string_view context, const Status& status);

}  // namespace walkv::cli
