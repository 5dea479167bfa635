// The global options on the command line (`walkv --help` lists them): how CLI11 reads them
// into GlobalOptions, with one-line errors that say what is wrong and where to look.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "global_options.h"

namespace walkv::cli {

// Texts as typed, for checks that can only run once every option is known.
struct GlobalFlagTexts {
  std::string flush_bytes;
};

void add_global_options(CLI::App& app, GlobalOptions& global, GlobalFlagTexts& texts);

// True if `name` ("--flush-interval", "-d") is a global option.
bool is_global_option(std::string_view name);

// Checks between options (--flush-bytes within the log buffer that --segment-bytes leaves).
// Empty, or the error message.
std::string check_global_options(const GlobalOptions& global, const GlobalFlagTexts& texts);

}  // namespace walkv::cli
