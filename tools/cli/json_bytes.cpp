#include "json_bytes.h"

#include <array>
#include <cstddef>
#include <cstdint>

#include "utf8.h"

namespace walkv::cli {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16 |
                            static_cast<std::uint8_t>(bytes[i + 1]) << 8 |
                            static_cast<std::uint8_t>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool base64_decode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0) return false;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t pad = !last ? 0 : text[i + 3] != '=' ? 0 : text[i + 2] != '=' ? 1 : 2;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const int d = k >= 4 - pad ? 0 : base64_value(text[i + k]);
      if (d < 0) return false;
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    const std::array<char, 3> b = {static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                                   static_cast<char>(v)};
    out->append(b.data(), 3 - pad);
    // Canonical only: the bits the padding hides must be zero, so each text has one meaning.
    if (pad > 0 && (v & ((1u << (8 * pad)) - 1)) != 0) return false;
  }
  return true;
}

void set_bytes(nlohmann::json& obj, const std::string& name, std::string_view bytes) {
  if (is_utf8(bytes)) {
    obj[name] = std::string(bytes);
  } else {
    obj[name + "_b64"] = base64_encode(bytes);
  }
}

bool get_bytes(const nlohmann::json& obj, const std::string& name, std::string* out,
               std::string* error) {
  const std::string b64 = name + "_b64";
  const auto text = obj.find(name);
  const auto coded = obj.find(b64);
  if ((text == obj.end()) == (coded == obj.end())) {
    *error = text == obj.end() ? "no \"" + name + "\" or \"" + b64 + "\""
                               : "both \"" + name + "\" and \"" + b64 + "\"";
    return false;
  }
  const auto& field = text != obj.end() ? *text : *coded;
  const std::string& field_name = text != obj.end() ? name : b64;
  if (!field.is_string()) {
    *error = "\"" + field_name + "\" is not a string";
    return false;
  }
  if (text != obj.end()) {
    *out = field.get<std::string>();
    return true;
  }
  if (!base64_decode(field.get_ref<const std::string&>(), out)) {
    *error = "\"" + b64 + "\" is not valid base64";
    return false;
  }
  return true;
}

std::string json_line(const nlohmann::json& obj) {
  return obj.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace walkv::cli
