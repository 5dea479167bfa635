#include "file_header.h"

#include <xxhash.h>

#include <cstring>

#include "coding.h"

namespace walkv::format {

namespace {
constexpr std::size_t kChecksumOffset = 56;
}  // namespace

std::string encode_file_header(const char (&magic)[8], const FileHeader& h) {
  std::string b(kFileHeaderSize, '\0');
  std::memcpy(b.data(), magic, 8);
  put_u32(b.data() + 8, h.version);
  put_u32(b.data() + 12, kFileHeaderSize);
  for (int i = 0; i < 5; ++i) put_u64(b.data() + 16 + 8 * i, h.field[i]);
  put_u64(b.data() + kChecksumOffset, XXH3_64bits(b.data(), kChecksumOffset));
  return b;
}

HeaderCheck decode_file_header(std::string_view b, const char (&magic)[8], FileHeader* out) {
  if (b.size() < kFileHeaderSize) return HeaderCheck::kShort;
  if (std::memcmp(b.data(), magic, 8) != 0) return HeaderCheck::kBadMagic;
  if (get_u64(b.data() + kChecksumOffset) != XXH3_64bits(b.data(), kChecksumOffset))
    return HeaderCheck::kBadChecksum;
  if (get_u32(b.data() + 12) != kFileHeaderSize) return HeaderCheck::kBadSize;
  out->version = get_u32(b.data() + 8);
  for (int i = 0; i < 5; ++i) out->field[i] = get_u64(b.data() + 16 + 8 * i);
  return HeaderCheck::kOk;
}

}  // namespace walkv::format
