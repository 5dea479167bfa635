// run_shell(): the read-answer loop around a ShellSession (shell_session.cpp).
#include "shell.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "exit_codes.h"
#include "line_reader.h"
#include "log_sizing.h"
#include "output.h"
#include "shell_commands.h"
#include "signals.h"

namespace walkv::cli {
namespace {

// The first failed command of a script, and how many failed.
struct Failures {
  std::size_t count = 0;
  std::size_t first_line = 0;
  int first_code = 0;
  std::string first_message;

  void note(std::size_t line, const ShellAnswer& answer) {
    if (count++ == 0) {
      first_line = line;
      first_code = answer.exit_code;
      first_message = answer.error;
    }
  }
};

// A file descriptor that closes itself; -1 for none.
class ScriptFile {
 public:
  ScriptFile() = default;
  ScriptFile(const ScriptFile&) = delete;
  ScriptFile& operator=(const ScriptFile&) = delete;
  ~ScriptFile() {
    if (fd_ > STDIN_FILENO) ::close(fd_);
  }
  // Empty or "-": stdin. Returns 0 or the reported exit code.
  int open(const std::string& path) {
    if (path.empty() || path == "-") return kExitOk;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return report_error(kExitFailure,
                          fmt::format("shell: cannot read {}: {}", path, std::strerror(errno)));
    }
    return kExitOk;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = STDIN_FILENO;
};

}  // namespace

int run_shell(const GlobalOptions& global, const ShellOptions& options) {
  ScriptFile script;
  if (int code = script.open(options.file); code != kExitOk) return code;
  std::string error;
  if (!signals::install_shell_handlers(&error)) return report_error(kExitFailure, error);
  OpenedDb opened;
  {
    // The threads the engine starts while opening inherit this block: signals are handled
    // on this thread and do not interrupt those threads' system calls.
    signals::BlockInNewThreads block;
    opened = open_db(global, OpenIntent::kCreate);
  }
  if (!opened.db) return opened.exit_code;

  const bool interactive = script.fd() == STDIN_FILENO && ::isatty(STDIN_FILENO) == 1;
  auto reader = make_line_reader(interactive, "walkv", script.fd(), &complete_command);
  ShellSession session(opened.db.get(), global.mode, global.json, log_buffer_limit(global), [] {
    return signals::interrupted() || signals::terminating_signal() != 0;
  });
  if (interactive && !global.json) {
    outf("walkv shell on {} (mode {}). Type help for commands, quit or Ctrl-D to leave.\n",
         global.dir, to_string(global.mode));
  }
  bool output_ok = flush_output();
  std::size_t line_number = 0;
  std::size_t commands = 0;
  Failures failures;
  bool bailed = false;
  while (output_ok && signals::terminating_signal() == 0) {
    reader->set_prompt(fmt::format("walkv:{}> ", to_string(session.mode())));
    // A Ctrl-C that came while the last command ran (and did not stop it) is spent.
    signals::clear_interrupt();
    std::string line;
    const ReadStatus status = reader->read_line(&line);
    if (status == ReadStatus::kInterrupted && signals::terminating_signal() != 0) {
      if (interactive) out("\n");
      break;
    }
    if (status == ReadStatus::kInterrupted) {  // Ctrl-C at a terminal: drop the line
      out("^C\n");
      output_ok = flush_output();
      continue;
    }
    if (status == ReadStatus::kEnd) {
      if (interactive) out("\n");
      break;
    }
    ++line_number;
    // A Ctrl-C while a script's line was awaited is not meant for the command it carries.
    if (!interactive) signals::clear_interrupt();
    if (interactive && line.find_first_not_of(" \t") != std::string::npos) reader->remember(line);
    bool quit = false;
    if (auto answer = session.execute(line, &quit)) {
      ++commands;
      out(answer->text);
      out("\n");
      // A script waits for this line before sending the next command; and an answer that
      // cannot be written ends the session, since no one learns what later commands did.
      output_ok = flush_output();
      if (answer->exit_code != 0) {
        failures.note(line_number, *answer);
        if (options.bail) {
          bailed = true;
          break;
        }
      }
    }
    if (quit) break;
  }
  reader.reset();  // saves the history, gives the terminal back
  if (!flush_output()) return report_output_error();
  if (opened.db->stats().failed) {
    return report_error(kExitFailure,
                        fmt::format("the database in {} latched an I/O error during the session; "
                                    "writes after it were refused",
                                    global.dir));
  }
  if (bailed) {
    return report_error(failures.first_code, fmt::format("line {}: {} (stopped there: --bail)",
                                                         failures.first_line,
                                                         failures.first_message));
  }
  // At a terminal the person typing saw every ERR; a script's caller learns it here.
  if (failures.count > 0 && !interactive) {
    return report_error(failures.first_code,
                        fmt::format("{} of {} commands failed; the first, line {}: {}",
                                    failures.count, commands, failures.first_line,
                                    failures.first_message));
  }
  return kExitOk;
}

}  // namespace walkv::cli
