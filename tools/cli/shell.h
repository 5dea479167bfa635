// `walkv shell`: an interactive session on one open DB.
//
// Every command line gets exactly one answer line (blank lines and '#' comments get none),
// so a script can drive the shell through a pipe and read one line back per command:
//   put K V            OK lsn=42 1.8us            (async: in the log buffer, visible)
//                      OK lsn=43 131us durable    (sync: on stable storage)
//   get K              the value (escaped, see escape.h) or (not found)
//   del K              OK lsn=44 2.0us [durable]
//   scan [P] [N]       k=v pairs with prefix P, at most N (default 100), " ..." if more;
//                      " ... (interrupted)" after the pairs found so far if Ctrl-C stopped it
//   sync               OK durable_lsn=44 120us
//   stats              name=value ... (see stats_format.h)
//   checkpoint         OK snapshot_lsn=44 3.10ms
//   mode [sync|async]  OK mode=async             (the mode of later writes)
//   help, quit/exit
// Failures answer "ERR <message>". Latencies are those of the engine call alone.
// Signals (signals.h): SIGINT cancels the line being typed or a running scan; SIGTERM and
// SIGHUP end the session, close the database (making acknowledged writes durable), then end
// the process by that signal.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "global_options.h"
#include "walkv/db.h"

namespace walkv::cli {

// Executes shell commands against a DB. Not thread-safe.
class ShellSession {
 public:
  // `db` must outlive the session. `stop_requested` is polled between the pairs of a scan:
  // true stops it early (Ctrl-C); empty means never.
  ShellSession(DB* db, CommitMode mode, std::function<bool()> stop_requested = {})
      : db_(db), mode_(mode), stop_requested_(std::move(stop_requested)) {}

  // Runs one command line. Returns its answer line (no newline), or nullopt for a blank or
  // comment line. Sets *quit after quit/exit.
  std::optional<std::string> execute(std::string_view line, bool* quit);

  CommitMode mode() const { return mode_; }

 private:
  std::string put(const std::vector<std::string>& words);
  std::string get(const std::vector<std::string>& words);
  std::string del(const std::vector<std::string>& words);
  std::string scan(const std::vector<std::string>& words);
  std::string sync();
  std::string checkpoint();
  std::string mode(const std::vector<std::string>& words);

  DB* db_;
  CommitMode mode_;
  std::function<bool()> stop_requested_;
};

// Opens the DB described by `global`, then reads commands from stdin until quit, end of
// input, SIGTERM or SIGHUP (a prompt, line editing and history when stdin is a terminal),
// and closes the DB. Returns the exit code: 0, or 3 if the DB could not be opened, latched
// an I/O error during the session, or an answer could not be written (the session stops
// there). After a SIGTERM or SIGHUP, signals::terminating_signal() names it: the caller
// ends the process by it (signals::die_by()).
int run_shell(const GlobalOptions& global);

}  // namespace walkv::cli
