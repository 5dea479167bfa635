// Printable rendering of arbitrary key and value bytes.
//
// walkv keys and values are bytes. At a terminal, in `scan` lines and in `shell` answers
// they are shown escaped so that every answer stays on one line and nothing can drive the
// terminal: printable ASCII and well-formed UTF-8 text pass through; a backslash becomes
// "\\"; newline, carriage return and tab become "\n", "\r", "\t"; every other byte becomes
// "\xHH". The shell's word splitter (shell_lexer.h) reads these escapes back, so what the
// tool prints can be pasted into a `shell` command unchanged.
#pragma once

#include <string>
#include <string_view>

namespace walkv::cli {

// The escaped form described above.
std::string escape_bytes(std::string_view bytes);

// escape_bytes(), wrapped in double quotes (with '"' escaped) when the result would
// otherwise not read back as one shell word: empty, or containing blanks, quotes, '=' or a
// leading '#'.
std::string quote_word(std::string_view bytes);

}  // namespace walkv::cli
