// Fixed-width little-endian and varint encoding: the only byte layout code in walkv.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace walkv {

inline void put_u32(char* p, std::uint32_t v) { std::memcpy(p, &v, 4); }  // x86-64: LE
inline void put_u64(char* p, std::uint64_t v) { std::memcpy(p, &v, 8); }
inline std::uint32_t get_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline std::uint64_t get_u64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline void append_varint32(std::string* dst, std::uint32_t v) {
  char buf[5];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}

// Decodes a varint32 at in[*pos]; false if truncated or longer than 5 bytes.
inline bool get_varint32(std::string_view in, std::size_t* pos, std::uint32_t* out) {
  std::uint32_t result = 0;
  for (int shift = 0; shift <= 28 && *pos < in.size(); shift += 7) {
    auto byte = static_cast<unsigned char>(in[(*pos)++]);
    result |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = result;
      return true;
    }
  }
  return false;
}

// Reads a varint32 length then that many bytes; false if anything is out of bounds.
inline bool get_length_prefixed(std::string_view in, std::size_t* pos, std::string_view* out) {
  std::uint32_t len;
  if (!get_varint32(in, pos, &len) || len > in.size() - *pos) return false;
  *out = in.substr(*pos, len);
  *pos += len;
  return true;
}

}  // namespace walkv
