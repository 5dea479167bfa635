#include "usage_errors.h"

#include <fmt/core.h>

#include <string_view>
#include <vector>

#include "global_flags.h"

namespace walkv::cli {
namespace {

// How a key or value that starts with '-' is written for `command`, or empty if the
// command takes none.
std::string dash_example(const std::string& command) {
  if (command == "put") return "walkv put -- KEY VALUE";
  if (command == "get" || command == "del") return fmt::format("walkv {} -- KEY", command);
  return "";
}

// The option an error message starts with ("--flush-interval: ..."), or empty.
std::string_view leading_option(std::string_view message) {
  if (!message.starts_with('-')) return {};
  return message.substr(0, message.find_first_of(": "));
}

}  // namespace

std::string usage_message(const CLI::App& app, const CLI::ParseError& e) {
  const auto subcommands = app.get_subcommands();
  const std::string command = subcommands.empty() ? "" : subcommands.front()->get_name();
  const std::string command_help =
      command.empty() ? "see walkv --help" : fmt::format("see walkv {} --help", command);
  std::vector<std::string> extras = app.remaining();
  if (extras.empty() && !subcommands.empty()) extras = subcommands.front()->remaining();
  const bool extras_error = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr;
  const bool required_error = dynamic_cast<const CLI::RequiredError*>(&e) != nullptr;
  if ((extras_error || required_error) && !extras.empty() && extras.front().size() > 1 &&
      extras.front()[0] == '-') {
    const std::string& first = extras.front();
    if (const std::string example = dash_example(command); !example.empty()) {
      return fmt::format("unknown option '{}'; a key or value that starts with '-' goes after "
                         "'--' ({}); {}",
                         first, example, command_help);
    }
    return fmt::format("unknown option '{}'; {}", first, command_help);
  }
  if (extras_error && !extras.empty()) {
    if (command.empty()) {
      return fmt::format("unknown command '{}' (commands: {})", extras.front(), kCommandList);
    }
    return fmt::format("{}: unexpected argument '{}'; {}", command, extras.front(), command_help);
  }
  if (required_error && !command.empty()) {
    return fmt::format("{}: missing argument: {}; {}", command, e.what(), command_help);
  }
  // Option errors name the option ("--flush-interval: '5' needs a unit ...").
  const std::string what = e.what();
  if (is_global_option(leading_option(what))) return what + "; see walkv --help";
  return fmt::format("{}; {}", what, command_help);
}

}  // namespace walkv::cli
