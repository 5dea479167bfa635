#include "shell_lexer.h"

#include <cstddef>
#include <utility>

#include "escape.h"

namespace walkv::cli {
namespace {

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
