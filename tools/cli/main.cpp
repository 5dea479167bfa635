// walkv — the command-line tool: one-shot commands and an interactive shell on a walkv
// database. The command-line grammar lives here (global options: global_flags.h); each
// command is in commands.cpp, transfer_commands.cpp, inspect_commands.cpp or shell.cpp.
// Exit codes: exit_codes.h.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"
#include "escape.h"
#include "exit_codes.h"
#include "global_flags.h"
#include "global_options.h"
#include "output.h"
#include "shell.h"
#include "signals.h"
#include "usage_errors.h"

#ifndef WALKV_VERSION
#define WALKV_VERSION "unknown"
#endif

namespace walkv::cli {
namespace {

// Parsed command line: the global options and the arguments of whichever command was given.
struct CommandLine {
  GlobalOptions global;
  GlobalFlagTexts texts;
  std::string key;
  std::string value;
  bool raw = false;
  KeyRange range;
  std::string file = "-";
  ShellOptions shell;
};

void add_range_options(CLI::App* command, KeyRange& range) {
  command->add_option("--prefix,-p", range.prefix, "Only keys starting with this")
      ->type_name("P");
  command->add_option("--from", range.from, "Only keys >= A (byte-wise)")->type_name("A");
  command->add_option("--to", range.to, "Only keys < B (byte-wise; half-open)")->type_name("B");
}

// Applies --escaped to the arguments that name bytes. Returns 0 or the reported exit code.
int decode_arguments(CommandLine& cl) {
  if (!cl.global.escaped) return kExitOk;
  struct Argument {
    const char* name;
    std::string* text;
  };
  const bool value_from_stdin = cl.value == "-";
  for (const Argument& a : {Argument{"KEY", &cl.key}, Argument{"VALUE", &cl.value},
                            Argument{"--prefix", &cl.range.prefix},
                            Argument{"--from", &cl.range.from}, Argument{"--to", &cl.range.to}}) {
    if (a.text == &cl.value && value_from_stdin) continue;  // "-" still reads stdin
    std::string decoded, error;
    if (!unescape(*a.text, &decoded, &error)) {
      return report_error(kExitUsage, fmt::format("--escaped: {} '{}': {}", a.name, *a.text, error));
    }
    *a.text = std::move(decoded);
  }
  return kExitOk;
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
  add_global_options(app, cl.global, cl.texts);

  auto* put = app.add_subcommand("put", "Write KEY=VALUE; prints the LSN (VALUE '-': read stdin)");
  put->add_option("key", cl.key, "Key")->required();
  put->add_option("value", cl.value, "Value, or - to read it from stdin (binary-safe)")->required();

  auto* get = app.add_subcommand("get", "Print the value of KEY (exit 1 if absent)");
  get->add_option("key", cl.key, "Key")->required();
  get->add_flag("--raw", cl.raw, "Write the value's bytes unchanged (no escaping, no newline)");

  auto* del = app.add_subcommand("del", "Delete KEY; prints the LSN");
  del->add_option("key", cl.key, "Key")->required();

  auto* scan = app.add_subcommand("scan", "Print key<TAB>value lines in key order");
  add_range_options(scan, cl.range);
  scan->add_option_function<std::string>(
          "--limit,-n",
          [&cl](const std::string& text) {
            auto [ptr, ec] =
                std::from_chars(text.data(), text.data() + text.size(), cl.range.limit);
            if (ec != std::errc() || ptr != text.data() + text.size()) {
              throw CLI::ValidationError("--limit",
                                         "expected a count (0: all), got '" + text + "'");
            }
          },
          "At most this many lines (0: all)")
      ->type_name("N");

  auto* exp = app.add_subcommand("export", "Print every pair as a JSON line (for import)");
  add_range_options(exp, cl.range);
  auto* imp = app.add_subcommand("import", "Put the pairs of export's JSON lines");
  imp->add_option("file", cl.file, "JSON lines to read; - (the default) reads stdin")
      ->type_name("FILE");

  auto* checkpoint =
      app.add_subcommand("checkpoint", "Write a snapshot and delete the WAL it covers");
  auto* stats = app.add_subcommand("stats", "Print engine statistics and the recovery report");
  auto* verify = app.add_subcommand(
      "verify", "Check every snapshot and WAL record (read-only; exit 3 on corruption)");
  auto* dump = app.add_subcommand("dump", "Print one line per WAL record (read-only)");
  auto* shell = app.add_subcommand("shell", "Interactive session (also scriptable: a pipe, -f)");
  shell->add_option("--file,-f", cl.shell.file, "Read commands from FILE instead of stdin")
      ->type_name("FILE");
  shell->add_flag("--bail", cl.shell.bail,
                  "Stop at the first command that fails, with its exit code (2 or 3)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version: printed on stdout
    return report_error(kExitUsage, usage_message(app, e));
  }
  if (std::string error = check_global_options(cl.global, cl.texts); !error.empty()) {
    return report_error(kExitUsage, error);
  }
  if (!cl.range.to.empty() && cl.range.from >= cl.range.to) {
    return report_error(kExitUsage, fmt::format("--from '{}' is not below --to '{}' (the range "
                                                "is half-open: from <= key < to)",
                                                cl.range.from, cl.range.to));
  }
  if (int code = decode_arguments(cl); code != kExitOk) return code;

  const GlobalOptions& g = cl.global;
  if (put->parsed()) return cmd_put(g, cl.key, cl.value, cl.value == "-");
  if (get->parsed()) return cmd_get(g, cl.key, cl.raw);
  if (del->parsed()) return cmd_del(g, cl.key);
  if (scan->parsed()) return cmd_scan(g, cl.range);
  if (exp->parsed()) return cmd_export(g, cl.range);
  if (imp->parsed()) return cmd_import(g, cl.file);
  if (checkpoint->parsed()) return cmd_checkpoint(g);
  if (stats->parsed()) return cmd_stats(g);
  if (verify->parsed()) return cmd_verify(g);
  if (dump->parsed()) return cmd_dump(g);
  if (shell->parsed()) return run_shell(g, cl.shell);
  return report_error(kExitUsage, fmt::format("no command given (commands: {}; see walkv --help)",
                                              kCommandList));
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
