// Where `walkv shell` gets its command lines: libedit at a terminal (prompt, line editing,
// history kept in ~/.walkv_history), plain reads from a pipe or file (no prompt, no echo).
//
// Not thread-safe; one reader per process (libedit owns the terminal while reading).
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace walkv::cli {

class LineReader {
 public:
  LineReader() = default;
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  virtual ~LineReader() = default;

  // The next line without its line terminator; nullopt at end of input.
  virtual std::optional<std::string> read_line() = 0;
  // The prompt shown before the next line (ignored when reading from a pipe).
  virtual void set_prompt(std::string prompt) = 0;
  // Records a line in the history (ignored when reading from a pipe).
  virtual void remember(const std::string& line) = 0;
};

// A libedit reader when stdin is a terminal, else a plain one. `program` names the
// ~/.editrc section that applies ("walkv").
std::unique_ptr<LineReader> make_line_reader(bool interactive, const char* program);

}  // namespace walkv::cli
