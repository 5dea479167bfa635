// walkv — the command-line tool: one-shot commands and an interactive shell on a walkv
// database. The command-line grammar lives here; each command is in commands.cpp,
// inspect_commands.cpp or shell.cpp. Exit codes: exit_codes.h.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_codes.h"
#include "global_options.h"
#include "output.h"
#include "shell.h"
#include "signals.h"
#include "units.h"

#ifndef WALKV_VERSION
#define WALKV_VERSION "unknown"
#endif

namespace walkv::cli {
namespace {

constexpr const char* kCommands = "put, get, del, scan, checkpoint, stats, verify, dump, shell";

// Parsed command line: the global options and the arguments of whichever command was given.
struct CommandLine {
  GlobalOptions global;
  std::string key;
  std::string value;
  bool raw = false;
  std::string prefix;
  std::size_t limit = 0;
};

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--dir,-d", g.dir, "Database directory")
      ->check([](const std::string& dir) {
        return dir.empty() ? std::string("empty database directory") : std::string();
      })
      ->capture_default_str()
      ->type_name("DIR");
  app.add_option_function<std::string>(
         "--mode",
         [&g](const std::string& text) {
           if (!parse_commit_mode(text, &g.mode))
             throw CLI::ValidationError("--mode", "expected sync or async, got '" + text + "'");
         },
         "Commit mode of writes: sync (durable when acknowledged) or async (buffered, "
         "flushed every --flush-interval)")
      ->default_str("sync")
      ->type_name("sync|async");
  app.add_option_function<std::string>(
         "--flush-interval",
         [&g](const std::string& text) {
           auto d = parse_duration(text);
           if (!d) {
             throw CLI::ValidationError("--flush-interval",
                                        "bad duration '" + text + "' (use e.g. 500us, 5ms, 1s)");
           }
           g.flush_interval = *d;
         },
         "Async flusher period, e.g. 500us, 5ms, 1s")
      ->default_str("5ms")
      ->type_name("DURATION");
  app.add_option_function<std::string>(
         "--flush-bytes",
         [&g](const std::string& text) {
           auto n = parse_byte_size(text);
           if (!n) {
             throw CLI::ValidationError("--flush-bytes",
                                        "bad size '" + text + "' (use e.g. 65536, 64K, 1M)");
           }
           g.flush_bytes = *n;
         },
         "Async flusher also starts once this many bytes are pending, e.g. 64K, 1M")
      ->default_str("1M")
      ->type_name("BYTES");
  app.add_option_function<std::string>(
         "--io-backend",
         [&g](const std::string& text) {
           if (text == "auto") {
             g.io_backend = IoBackend::kAuto;
           } else if (text == "uring") {
             g.io_backend = IoBackend::kUring;
           } else if (text == "posix") {
             g.io_backend = IoBackend::kPosix;
           } else {
             throw CLI::ValidationError("--io-backend",
                                        "expected auto, uring or posix, got '" + text + "'");
           }
         },
         "Async flusher I/O: auto (io_uring if available), uring, posix")
      ->default_str("auto")
      ->type_name("auto|uring|posix");
  app.add_flag("--verbose,-v", g.verbose, "Also print the engine's info messages");
}

// The one-line message for a parse error CLI11 reported.
std::string usage_message(const CLI::App& app, const CLI::ParseError& e) {
  const auto subcommands = app.get_subcommands();
  const std::string command = subcommands.empty() ? "" : subcommands.front()->get_name();
  const std::vector<std::string> extras = app.remaining();
  const std::string hint =
      command.empty() ? " (see walkv --help)" : fmt::format(" (see walkv {} --help)", command);
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && !extras.empty()) {
    const std::string& first = extras.front();
    if (first.size() > 1 && first[0] == '-') {
      return fmt::format("unknown option '{}'{}", first, hint);
    }
    if (command.empty()) {
      return fmt::format("unknown command '{}' (commands: {})", first, kCommands);
    }
    return fmt::format("{}: unexpected argument '{}'{}", command, first, hint);
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !command.empty()) {
    return fmt::format("{}: missing argument: {}{}", command, e.what(), hint);
  }
  // Option errors name the option ("--flush-interval: bad duration ...").
  return fmt::format("{}{}", e.what(), hint);
}

int run(int argc, char** argv) {
  CommandLine cl;
  CLI::App app{
      "walkv: a write-ahead-log key-value store. Exit codes: 0 ok, 1 not found, "
      "2 bad usage, 3 engine/I/O/corruption error.",
      "walkv"};
  app.set_version_flag("--version", "walkv " WALKV_VERSION);
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options may also follow the command
  add_global_options(app, cl.global);

  auto* put = app.add_subcommand("put", "Write KEY=VALUE; prints the LSN (VALUE '-': read stdin)");
  put->add_option("key", cl.key, "Key")->required();
  put->add_option("value", cl.value, "Value, or - to read it from stdin (binary-safe)")->required();

  auto* get = app.add_subcommand("get", "Print the value of KEY (exit 1 if absent)");
  get->add_option("key", cl.key, "Key")->required();
  get->add_flag("--raw", cl.raw, "Write the value's bytes unchanged (no escaping, no newline)");

  auto* del = app.add_subcommand("del", "Delete KEY; prints the LSN");
  del->add_option("key", cl.key, "Key")->required();

  auto* scan = app.add_subcommand("scan", "Print key<TAB>value lines in key order");
  scan->add_option("--prefix,-p", cl.prefix, "Only keys starting with this")->type_name("P");
  scan->add_option_function<std::string>(
          "--limit,-n",
          [&cl](const std::string& text) {
            auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), cl.limit);
            if (ec != std::errc() || ptr != text.data() + text.size()) {
              throw CLI::ValidationError("--limit",
                                         "expected a count (0: all), got '" + text + "'");
            }
          },
          "At most this many lines (0: all)")
      ->type_name("N");

  auto* checkpoint =
      app.add_subcommand("checkpoint", "Write a snapshot and delete the WAL it covers");
  auto* stats = app.add_subcommand("stats", "Print engine statistics and the recovery report");
  auto* verify = app.add_subcommand(
      "verify", "Check every snapshot and WAL record (read-only; exit 3 on corruption)");
  auto* dump = app.add_subcommand("dump", "Print one line per WAL record (read-only)");
  auto* shell = app.add_subcommand("shell", "Interactive session (also scriptable through a pipe)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version: printed on stdout
    return report_error(kExitUsage, usage_message(app, e));
  }

  const GlobalOptions& g = cl.global;
  if (put->parsed()) return cmd_put(g, cl.key, cl.value);
  if (get->parsed()) return cmd_get(g, cl.key, cl.raw);
  if (del->parsed()) return cmd_del(g, cl.key);
  if (scan->parsed()) return cmd_scan(g, cl.prefix, cl.limit);
  if (checkpoint->parsed()) return cmd_checkpoint(g);
  if (stats->parsed()) return cmd_stats(g);
  if (verify->parsed()) return cmd_verify(g);
  if (dump->parsed()) return cmd_dump(g);
  if (shell->parsed()) return run_shell(g);
  return report_error(kExitUsage,
                      fmt::format("no command given (commands: {}; see walkv --help)", kCommands));
}

}  // namespace
}  // namespace walkv::cli

int main(int argc, char** argv) {
  namespace cli = walkv::cli;
  int code = cli::kExitFailure;
  try {
    code = cli::run(argc, argv);
  } catch (const std::exception& e) {
    code = cli::report_error(cli::kExitFailure, e.what());  // memory exhaustion
  }
  // Every command's output, --help's included, is only written once stdout is flushed.
  code = cli::finish_output(code);
  // A shell ended by SIGTERM or SIGHUP has closed its database by now: end by that signal.
  if (const int signo = cli::signals::terminating_signal(); signo != 0) {
    return cli::signals::die_by(signo);
  }
  return code;
}
