// Well-formed UTF-8, as both the escaped output form and the JSON encoding need to know it.
#pragma once

#include <cstddef>
#include <string_view>

namespace walkv::cli {

// Length of the well-formed UTF-8 sequence starting at s[i] (1 for ASCII), or 0 if the bytes
// there are not one: overlong forms, surrogates, values past U+10FFFF, stray continuation
// bytes and truncated sequences are rejected. REQUIRES: i < s.size().
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

}  // namespace walkv::cli
