// Splits a `walkv shell` command line into words.
//
//   put "a b" "c d"      -> put | a b | c d
//   put k 'it''s'        -> put | k | its        (single quotes: no escapes inside)
//   put k "tab\there"    -> put | k | tab<TAB>here
//   put k a\ b\x00       -> put | k | a b<NUL>
//   # comment            -> (no words)
//
// Blanks (space, tab) separate words; quoted and unquoted pieces that touch form one word;
// "" is an empty word. Outside single quotes a backslash starts an escape: \\ \" \' \space
// \n \r \t \xHH — the same escapes escape.h prints, so printed keys and values paste back.
// A line whose first non-blank character is '#' is a comment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace walkv::cli {

// True and the words, or false and a reason ("unterminated double quote", "bad escape \q").
bool split_words(std::string_view line, std::vector<std::string>* words, std::string* error);

}  // namespace walkv::cli
