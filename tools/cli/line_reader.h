// Where `walkv shell` gets its command lines: libedit at a terminal (prompt, line editing,
// history kept in ~/.walkv_history), plain reads from a pipe or file (no prompt, no echo).
// Both wait for input with signals::wait_for_input(), so a signal (signals.h) ends a wait
// at once instead of after the next line.
//
// Not thread-safe; one reader per process (libedit owns the terminal while reading).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace walkv::cli {

enum class ReadStatus {
  kLine,         // a line was read
  kEnd,          // end of input (Ctrl-D at a terminal, end of the pipe, a read error)
  kInterrupted,  // a signal ended the read: SIGINT at a terminal (the line being typed is
                 // dropped), or SIGTERM/SIGHUP anywhere (signals::terminating_signal())
};

class LineReader {
 public:
  LineReader() = default;
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  virtual ~LineReader() = default;

  // The next line without its line terminator into *line.
  virtual ReadStatus read_line(std::string* line) = 0;
  // The prompt shown before the next line (ignored when reading from a pipe).
  virtual void set_prompt(std::string prompt) = 0;
  // Records a line in the history and saves the history file at once, so that a session
  // that ends by a signal or a crash keeps it (ignored when reading from a pipe).
  virtual void remember(const std::string& line) = 0;
};

// The completions of the word being typed (the first of the line): see shell_commands.h.
using Completer = std::vector<std::string> (*)(std::string_view word);

// A libedit reader of stdin when `interactive` (stdin is a terminal), with Tab completing
// the first word through `completer`; else a plain reader of `fd` (stdin, or a script
// file). `program` names the ~/.editrc section that applies ("walkv").
std::unique_ptr<LineReader> make_line_reader(bool interactive, const char* program, int fd,
                                             Completer completer);

}  // namespace walkv::cli
