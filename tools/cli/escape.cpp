#include "escape.h"

#include <cstddef>
#include <cstdint>

#include "utf8.h"

namespace walkv::cli {
namespace {

// Length of the well-formed UTF-8 sequence at s[i] that encodes a printable non-ASCII code
// point (U+00A0 and up), or 0: the C1 control block U+0080..U+009F is escaped too.
std::size_t printable_utf8_length(std::string_view s, std::size_t i) {
  const std::size_t len = utf8_sequence_length(s, i);
  if (len < 2) return 0;
  const bool c1 =
      static_cast<std::uint8_t>(s[i]) == 0xC2 && static_cast<std::uint8_t>(s[i + 1]) < 0xA0;
  return c1 ? 0 : len;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_hex_escape(std::string* out, std::uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[b >> 4]);
  out->push_back(kHex[b & 0xF]);
}

std::string escape_impl(std::string_view bytes, bool escape_double_quote) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto b = static_cast<std::uint8_t>(bytes[i]);
    if (b == '\\') {
      out.append("\\\\");
    } else if (b == '"' && escape_double_quote) {
      out.append("\\\"");
    } else if (b == '\n') {
      out.append("\\n");
    } else if (b == '\r') {
      out.append("\\r");
    } else if (b == '\t') {
      out.append("\\t");
    } else if (b >= 0x20 && b < 0x7F) {
      out.push_back(static_cast<char>(b));
    } else if (std::size_t n = b >= 0x80 ? printable_utf8_length(bytes, i) : 0; n > 0) {
      out.append(bytes.substr(i, n));
      i += n;
      continue;
    } else {
      append_hex_escape(&out, b);
    }
    ++i;
  }
  return out;
}

bool needs_quotes(std::string_view bytes) {
  if (bytes.empty() || bytes.front() == '#') return true;
  for (char c : bytes) {
    if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '=') return true;
  }
  return false;
}

}  // namespace

std::string escape_bytes(std::string_view bytes) { return escape_impl(bytes, false); }

std::string quote_always(std::string_view bytes) {
  std::string out = "\"";
  out += escape_impl(bytes, true);
  out += '"';
  return out;
}

bool decode_escape(std::string_view text, std::size_t* i, std::string* out, std::string* error) {
  if (*i + 1 >= text.size()) {
    *error = "backslash at end of text";
    return false;
  }
  const char c = text[*i + 1];
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
      const int hi = *i + 2 < text.size() ? hex_value(text[*i + 2]) : -1;
      const int lo = *i + 3 < text.size() ? hex_value(text[*i + 3]) : -1;
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

bool unescape(std::string_view text, std::string* out, std::string* error) {
  out->clear();
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\\') {
      if (!decode_escape(text, &i, out, error)) return false;
    } else {
      out->push_back(text[i++]);
    }
  }
  return true;
}

std::string quote_word(std::string_view bytes) {
  if (!needs_quotes(bytes)) return escape_impl(bytes, false);
  // Built in place: `"\"" + s + "\""` trips a false -Wrestrict in g++ 12 at -O3.
  std::string out = "\"";
  out += escape_impl(bytes, true);
  out += '"';
  return out;
}

}  // namespace walkv::cli
