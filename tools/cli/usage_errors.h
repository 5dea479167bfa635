// The one-line message for a command line CLI11 refused, pointing where the answer is:
// global options are listed by `walkv --help`, a command's own by `walkv COMMAND --help`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace walkv::cli {

// The commands, as listed in messages.
inline constexpr const char* kCommandList =
    "put, get, del, scan, export, import, checkpoint, stats, verify, dump, shell";

std::string usage_message(const CLI::App& app, const CLI::ParseError& e);

}  // namespace walkv::cli
