// Printable rendering of arbitrary key and value bytes.
//
// walkv keys and values are bytes. At a terminal, in `scan` lines and in `shell` answers
// they are shown escaped so that every answer stays on one line and nothing can drive the
// terminal: printable ASCII and well-formed UTF-8 text pass through; a backslash becomes
// "\\"; newline, carriage return and tab become "\n", "\r", "\t"; every other byte becomes
// "\xHH". This is the tool's one escaped form: unescape() reads it back (the shell's word
// splitter, shell_lexer.h, and one-shot arguments under --escaped), so whatever the tool
// prints can be typed back and names the same bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace walkv::cli {

// The escaped form described above.
std::string escape_bytes(std::string_view bytes);

// escape_bytes(), wrapped in double quotes (with '"' escaped) when the result would
// otherwise not read back as one shell word: empty, or containing blanks, quotes, '=' or a
// leading '#'.
std::string quote_word(std::string_view bytes);

// escape_bytes() always in double quotes ('"' escaped): how the shell prints every key and
// value, so that no stored bytes can read like "(not found)" or "ERR ...".
std::string quote_always(std::string_view bytes);

// Decodes the escape whose backslash is at text[*i] into *out and advances *i past it:
// \\ \" \' \<space> \n \r \t \xHH. False with *error set for anything else.
bool decode_escape(std::string_view text, std::size_t* i, std::string* out, std::string* error);

// The bytes that the escaped form `text` names (every backslash starts an escape; quotes are
// ordinary characters). False with *error set ("bad escape \\q") if `text` is malformed.
bool unescape(std::string_view text, std::string* out, std::string* error);

}  // namespace walkv::cli
