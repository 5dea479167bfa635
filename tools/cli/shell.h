// `walkv shell`: a session on one open DB, at a terminal, from a pipe or from a script file.
//
// Every command line gets one answer; blank lines and '#' comments get none. An answer is
// one line, except that `scan`, `range`, `stats` and `help` answer one item per line, each
// indented by two spaces, and then one closing line. So a script reads lines until one that
// does not start with a space: that line ends the answer.
//   put K V            OK lsn=42                  (with `timer on`: OK lsn=42 131us durable)
//   get K              "the value" (always in double quotes, escaped: escape.h), or
//                      (not found)
//   del K              OK lsn=44
//   scan [P] [N]       '  "key" "value"' lines, then (2 pairs), (100 pairs, more) or
//   range A B [N]      (5 pairs, interrupted) when Ctrl-C stopped it
//   sync               OK durable_lsn=44
//   stats              '  name  value' lines (stats_format.h), then (21 fields)
//   checkpoint         OK snapshot_lsn=44
//   mode [M]           OK mode=async              (the mode of later writes)
//   timer [on|off]     OK timer=on
//   help               '  usage  what' lines, then (13 commands)
//   quit, exit         bye
// Failures answer "ERR <message>". No stored value can read like "(not found)" or an ERR
// line: values are always quoted. Command names and the words of mode and timer are
// case-insensitive. With --json every answer is one JSON object on one line instead.
// Signals (signals.h): SIGINT cancels the line being typed or a running scan; SIGTERM and
// SIGHUP end the session, close the database (making acknowledged writes durable), then end
// the process by that signal.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "global_options.h"
#include "walkv/db.h"

namespace walkv::cli {

struct ShellOptions {
  std::string file;   // commands from this file ("-": stdin) instead of stdin; empty: stdin
  bool bail = false;  // stop at the first failed command, exiting with its code
};

struct ShellAnswer {
  std::string text;  // one or more lines, without the final newline
  int exit_code = 0;  // 0, or what the failure stands for: 2 bad usage, 3 engine error
  std::string error;  // the failure's message (for the "error:" line of --bail)
};

// Executes shell commands against a DB. Not thread-safe.
class ShellSession {
 public:
  // `db` must outlive the session. Answers are JSON when `json`. `write_limit` is the
  // largest write_bound() (log_sizing.h) the DB takes. `stop_requested` is polled between
  // the pairs of a scan: true stops it early (Ctrl-C); empty means never.
  ShellSession(DB* db, CommitMode mode, bool json, std::size_t write_limit,
               std::function<bool()> stop_requested = {})
      : db_(db),
        mode_(mode),
        json_(json),
        write_limit_(write_limit),
        stop_requested_(std::move(stop_requested)) {}

  // Runs one command line. Returns its answer, or nullopt for a blank or comment line.
  // Sets *quit after quit/exit.
  std::optional<ShellAnswer> execute(std::string_view line, bool* quit);

  CommitMode mode() const { return mode_; }

 private:
  using Words = std::vector<std::string>;
  ShellAnswer dispatch(const std::string& command, const Words& words, bool* quit);
  ShellAnswer put(const Words& words);
  ShellAnswer get(const Words& words);
  ShellAnswer del(const Words& words);
  ShellAnswer scan(const Words& words, bool range);
  ShellAnswer sync();
  ShellAnswer stats();
  ShellAnswer checkpoint();
  ShellAnswer mode(const Words& words);
  ShellAnswer timer(const Words& words);
  ShellAnswer help();
  ShellAnswer write_done(const Result<Lsn>& lsn, std::chrono::nanoseconds latency);

  // An answer "OK ..." (text) or `fields` plus "ok": true (JSON).
  ShellAnswer ok(std::string text, nlohmann::json fields) const;
  // The answer of a failure: "ERR <message>" or {"ok": false, "error": ...}.
  ShellAnswer fail(int exit_code, const std::string& message) const;
  ShellAnswer fail(const Status& status) const;
  // ok(), with " 1.8us[ durable]" (text) or "latency_us" (JSON) when the timer is on.
  ShellAnswer timed(std::string text, nlohmann::json fields, std::chrono::nanoseconds latency,
                    bool durable) const;

  DB* db_;
  CommitMode mode_;
  bool json_;
  bool timer_ = false;
  std::size_t write_limit_;
  std::function<bool()> stop_requested_;
};

// Opens the DB described by `global`, then reads commands from stdin (or options.file)
// until quit, end of input, SIGTERM or SIGHUP (a prompt, line editing, history and Tab
// completion of command names when reading a terminal), and closes the DB. Returns the exit
// code: 0; 3 if the DB could not be opened, latched an I/O error during the session, or an
// answer could not be written (the session stops there); with options.bail, the failed
// command's code (2 or 3); and when reading a script (not a terminal), the code of the first
// failed command once all have run. After a SIGTERM or SIGHUP, signals::terminating_signal()
// names it: the caller ends the process by it (signals::die_by()).
int run_shell(const GlobalOptions& global, const ShellOptions& options);

}  // namespace walkv::cli
