// Forges snapshot files (and newer-version headers) as engine/src/snapshot.h describes them (header with magic, version,
// header size, LSN, key count, XXH3-64 of [0,56); entries; XXH3-64 of the entries), so tests
// can write a snapshot the engine never would — one from a newer format version — with
// checksums that are valid. Written from the format description, not the engine's code.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

namespace walkv::forge {

inline void put_u32(std::string* s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) (*s)[at + i] = static_cast<char>(v >> (8 * i));
}

inline void put_u64(std::string* s, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) (*s)[at + i] = static_cast<char>(v >> (8 * i));
}

inline void append_varint32(std::string* s, std::uint32_t v) {
  while (v >= 0x80) {
    s->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s->push_back(static_cast<char>(v));
}

// The complete bytes of a snapshot file with the given header version.
inline std::string snapshot(std::uint32_t version, std::uint64_t lsn,
                            const std::map<std::string, std::string>& entries) {
  std::string file(64, '\0');
  file.replace(0, 8, "WALKVSNP");
  put_u32(&file, 8, version);
  put_u32(&file, 12, 64);
  put_u64(&file, 16, lsn);
  put_u64(&file, 24, entries.size());
  put_u64(&file, 56, XXH3_64bits(file.data(), 56));
  std::string body;
  for (const auto& [k, v] : entries) {
    append_varint32(&body, static_cast<std::uint32_t>(k.size()));
    body += k;
    append_varint32(&body, static_cast<std::uint32_t>(v.size()));
    body += v;
  }
  std::string sum(8, '\0');
  put_u64(&sum, 0, XXH3_64bits(body.data(), body.size()));
  return file + body + sum;
}

// Sets the u32 version of a 64-byte segment or snapshot header held in `file` and fixes the
// header checksum at [56,64), as a newer walkv would have written it.
inline void set_header_version(std::string* file, std::uint32_t version) {
  put_u32(file, 8, version);
  put_u64(file, 56, XXH3_64bits(file->data(), 56));
}

// "snapshot-<16 hex digits>.snap"
inline std::string snapshot_name(std::uint64_t lsn) {
  char b[64];
  std::snprintf(b, sizeof b, "snapshot-%016llx.snap", static_cast<unsigned long long>(lsn));
  return b;
}

}  // namespace walkv::forge
