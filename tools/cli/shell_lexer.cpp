#include "shell_lexer.h"

#include <cstddef>
#include <utility>

namespace walkv::cli {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the escape whose backslash is at line[*i]; advances *i past it.
bool decode_escape(std::string_view line, std::size_t* i, std::string* out, std::string* error) {
  if (*i + 1 >= line.size()) {
    *error = "backslash at end of line";
    return false;
  }
  const char c = line[*i + 1];
  switch (c) {
    case '\\':
    case '"':
    case '\'':
    case ' ':
      out->push_back(c);
      *i += 2;
      return true;
    case 'n':
      out->push_back('\n');
      *i += 2;
      return true;
    case 'r':
      out->push_back('\r');
      *i += 2;
      return true;
    case 't':
      out->push_back('\t');
      *i += 2;
      return true;
    case 'x': {
      const int hi = *i + 2 < line.size() ? hex_value(line[*i + 2]) : -1;
      const int lo = *i + 3 < line.size() ? hex_value(line[*i + 3]) : -1;
      if (hi < 0 || lo < 0) {
        *error = "bad escape: \\x needs two hex digits";
        return false;
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      *i += 4;
      return true;
    }
    default:
      *error = std::string("bad escape \\") + c;
      return false;
  }
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

bool split_words(std::string_view line, std::vector<std::string>* words, std::string* error) {
  words->clear();
  std::size_t i = 0;
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i < line.size() && line[i] == '#') return true;

  std::string word;
  bool in_word = false;  // true once a word has started, even if it is still empty ("")
  while (i < line.size()) {
    const char c = line[i];
    if (is_blank(c)) {
      if (in_word) words->push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      const std::size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) {
        *error = "unterminated single quote";
        return false;
      }
      word.append(line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        if (line[i] == '\\') {
          if (!decode_escape(line, &i, &word, error)) return false;
        } else {
          word.push_back(line[i++]);
        }
      }
      if (!closed) {
        *error = "unterminated double quote";
        return false;
      }
    } else if (c == '\\') {
      if (!decode_escape(line, &i, &word, error)) return false;
      in_word = true;
    } else {
      word.push_back(c);
      in_word = true;
      ++i;
    }
  }
  if (in_word) words->push_back(std::move(word));
  return true;
}

}  // namespace walkv::cli
