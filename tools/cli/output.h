// The tool's results on stdout, with every write checked.
//
// A failed write (a full disk, a closed pipe, a hung-up terminal) must not pass as success:
// stdio keeps output in a buffer, so a write can "succeed" and the error surface only at a
// later flush, and fmt::print does not report a short write until its buffer is flushed.
// Everything the commands print goes through out(); the first failure's errno is kept for
// the one error line, and finish_output() flushes and checks before the process exits.
#pragma once

#include <fmt/core.h>

#include <string_view>
#include <utility>

namespace walkv::cli {

// Writes `text` to stdout. A failure is remembered (see output_failed()), never thrown.
void out(std::string_view text);

template <typename... Args>
void outf(fmt::format_string<Args...> format, Args&&... args) {
  out(fmt::format(format, std::forward<Args>(args)...));
}

// Flushes stdout. False if this or any earlier write to stdout failed.
bool flush_output();

// True once a write to stdout has failed (a full stdio buffer may hide one until the flush).
bool output_failed();

// Reports "error: writing standard output: <reason>" and returns the exit code 3.
int report_output_error();

// The end of every command: flushes stdout and, if the command succeeded (0) or found
// nothing (1) but its output could not be written, reports that and returns 3; otherwise
// returns `code` (a command that failed has printed its own error line already).
int finish_output(int code);

}  // namespace walkv::cli
