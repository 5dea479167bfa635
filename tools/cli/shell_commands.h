// The shell's command names and their one-line help: what `help` prints and what Tab
// completes at a terminal.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace walkv::cli {

struct ShellCommandInfo {
  const char* name;
  const char* usage;  // "put KEY VALUE"
  const char* what;   // "write; answers OK lsn=N"
};

std::span<const ShellCommandInfo> shell_commands();

// The command names that start with `prefix`, ignoring case, in table order: what Tab
// offers for the first word of a line.
std::vector<std::string> complete_command(std::string_view prefix);

// ASCII lower case: command names and their keywords are case-insensitive.
std::string to_lower(std::string_view text);

}  // namespace walkv::cli
