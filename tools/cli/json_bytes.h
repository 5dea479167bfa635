// Keys and values in JSON, binary-safe: the encoding of --json answers, `export` and `import`.
//
// JSON strings hold Unicode text, walkv keys and values hold bytes. A key or value whose
// bytes are well-formed UTF-8 is a JSON string under its name ("key", "value"; control
// characters and NUL come out as \u escapes, which read back as the same bytes). Any other
// is base64 (RFC 4648, with padding) under the name plus "_b64" ("key_b64", "value_b64").
// So every line reads back to the exact bytes, and text stays readable and greppable.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace walkv::cli {

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_utf8(std::string_view bytes);

std::string base64_encode(std::string_view bytes);
// False if `text` is not canonical padded base64.
bool base64_decode(std::string_view text, std::string* out);

// Sets obj[name] or obj[name + "_b64"] to `bytes`, as described above.
void set_bytes(nlohmann::json& obj, const std::string& name, std::string_view bytes);

// Reads the bytes set_bytes() stored under `name`. Exactly one of name and name_b64 must
// be there, as a string. False with *error set otherwise.
bool get_bytes(const nlohmann::json& obj, const std::string& name, std::string* out,
               std::string* error);

// `obj` as one line of JSON. Strings that are not UTF-8 (a path, an engine message) are
// written with U+FFFD in place of bad bytes rather than failing.
std::string json_line(const nlohmann::json& obj);

}  // namespace walkv::cli
