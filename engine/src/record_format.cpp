#include "record_format.h"

// Compiled in rather than called in libxxhash: recovery checksums every record on the
// thread that reads the log, the one its speed depends on (BM_Recover).
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <sys/random.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>
#include <random>

#include "coding.h"
#include "file_header.h"
#include "batch_codec.h"
#include "walkv/write_batch.h"

namespace walkv::format {

namespace {

std::uint64_t hash(const char* p, std::size_t n) { return XXH3_64bits(p, n); }
std::uint64_t hash(const char* p, std::size_t n, std::uint64_t seed) {
  return XXH3_64bits_withSeed(p, n, seed);
}

bool all_zero(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i]) return false;
  return true;
}
}  // namespace

std::uint64_t new_salt() {
  std::uint64_t salt = 0;
  while (salt == 0) {
    if (::getrandom(&salt, sizeof salt, 0) != static_cast<ssize_t>(sizeof salt)) {
      std::random_device rd;  // getrandom failing is near impossible; still never zero
      salt = (std::uint64_t{rd()} << 32) ^ rd();
    }
  }
  return salt;
}

std::string encode_segment_header(std::uint64_t segment, std::uint64_t segment_bytes,
                                  std::uint64_t salt) {
  FileHeader h;
  h.version = kSegmentVersion;
  h.field[0] = segment;
  h.field[1] = segment_bytes;
  h.field[2] = salt;
  return encode_file_header(kSegmentMagic, h);
}

bool decode_segment_header(std::string_view b, SegmentHeader* out, std::string* reason,
                           bool* newer_version) {
  *newer_version = false;
  FileHeader h;
  switch (decode_file_header(b, kSegmentMagic, &h)) {
    case HeaderCheck::kOk: break;
    case HeaderCheck::kShort: *reason = "segment header truncated"; return false;
    case HeaderCheck::kBadMagic: *reason = "bad segment magic"; return false;
    case HeaderCheck::kBadChecksum: *reason = "segment header checksum mismatch"; return false;
    case HeaderCheck::kBadSize: *reason = "unexpected segment header size"; return false;
  }
  out->version = h.version;
  if (out->version > kSegmentVersion) {
    *newer_version = true;
    *reason = "segment format version " + std::to_string(out->version) +
              " is newer than this build's " + std::to_string(kSegmentVersion);
    return false;
  }
  if (out->version == 0) {
    *reason = "segment format version 0";
    return false;
  }
  out->segment = h.field[0];
  out->segment_bytes = h.field[1];
  out->salt = out->version >= 2 ? h.field[2] : 0;
  if (out->version >= 2 && out->salt == 0) {
    *reason = "segment salt is zero";
    return false;
  }
  return true;
}

void append_record(std::string* dst, std::uint64_t salt, Lsn lsn, Lsn synced_lsn,
                   std::string_view payload) {
  const std::size_t start = dst->size();
  const std::size_t size = record_size(payload.size());
  dst->resize(start + size);
  char* h = dst->data() + start;
  put_u32(h + 8, static_cast<std::uint32_t>(payload.size()));
  h[12] = static_cast<char>(kRecordTypeBatch);
  h[13] = h[14] = h[15] = 0;
  put_u64(h + 16, lsn);
  put_u64(h + 24, synced_lsn);
  put_u64(h + 32, hash(payload.data(), payload.size(), salt));
  put_u64(h, hash(h + 8, kRecordHeaderSize - 8, salt));
  std::memcpy(h + kRecordHeaderSize, payload.data(), payload.size());
  std::memset(h + kRecordHeaderSize + payload.size(), 0,
              size - kRecordHeaderSize - payload.size());
}

void append_record_v1(std::string* dst, Lsn lsn, std::uint64_t segment, Lsn synced_lsn,
                      std::string_view payload) {
  const std::size_t start = dst->size();
  dst->resize(start + kRecordHeaderSize);
  char* h = dst->data() + start;
  put_u32(h + 8, static_cast<std::uint32_t>(payload.size()));
  h[12] = static_cast<char>(kRecordTypeBatch);
  h[13] = h[14] = h[15] = 0;
  put_u64(h + 16, lsn);
  put_u64(h + 24, segment);
  put_u64(h + 32, synced_lsn);
  dst->append(payload);
  h = dst->data() + start;
  put_u64(h, hash(h + 8, kRecordHeaderSize - 8 + payload.size()));
}

const char* parse_result_name(ParseResult r) {
  switch (r) {
    case ParseResult::kOk: return "ok";
    case ParseResult::kZero: return "zeroed record";
    case ParseResult::kTruncated: return "record runs past the end of the segment";
    case ParseResult::kBadHeader: return "record header checksum mismatch";
    case ParseResult::kBadChecksum: return "record payload checksum mismatch";
    case ParseResult::kBadType: return "bad record type";
    case ParseResult::kBadSegment: return "record of another segment";
    case ParseResult::kBadPayload: return "undecodable payload";
  }
  return "?";
}

ParseResult check_header(const char* h, std::uint64_t room, const SegmentFormat& f,
                         std::uint32_t* len) {
  if (room < kRecordHeaderSize) return ParseResult::kTruncated;
  if (static_cast<std::uint8_t>(h[12]) != kRecordTypeBatch || h[13] || h[14] || h[15])
    return all_zero(h, kRecordHeaderSize) ? ParseResult::kZero : ParseResult::kBadType;
  *len = get_u32(h + 8);
  if (f.version >= 2) {
    if (get_u64(h) != hash(h + 8, kRecordHeaderSize - 8, f.salt)) return ParseResult::kBadHeader;
  } else if (get_u64(h + 24) != f.number) {
    return ParseResult::kBadSegment;
  }
  if (*len > room - kRecordHeaderSize) return ParseResult::kTruncated;
  // Version 2 pads to 8 bytes, and the writer places the padding inside the segment too.
  if (f.version >= 2 && record_size(*len) > room) return ParseResult::kTruncated;
  return ParseResult::kOk;
}

std::uint64_t stored_checksum(const char* h, const SegmentFormat& f) {
  return f.version >= 2 ? get_u64(h + 32) : get_u64(h);
}

ParseResult parse_record(std::string_view b, const SegmentFormat& f, RecordView* out) {
  if (b.size() < kRecordHeaderSize)
    return all_zero(b.data(), b.size()) ? ParseResult::kZero : ParseResult::kTruncated;
  std::uint32_t len = 0;
  if (ParseResult r = check_header(b.data(), b.size(), f, &len); r != ParseResult::kOk) return r;
  return parse_checked(b, f, len, out);
}

ParseResult parse_checked(std::string_view b, const SegmentFormat& f, std::uint32_t len,
                          RecordView* out) {
  const char* h = b.data();
  const std::size_t from = checksum_start(f);
  const std::uint64_t sum = f.version >= 2 ? hash(h + from, kRecordHeaderSize + len - from, f.salt)
                                           : hash(h + from, kRecordHeaderSize + len - from);
  if (sum != stored_checksum(h, f)) return ParseResult::kBadChecksum;
  out->lsn = get_u64(h + 16);
  out->synced_lsn = get_u64(h + (f.version >= 2 ? 24 : 32));
  out->size = static_cast<std::uint32_t>(f.version >= 2 ? record_size(len)
                                                        : kRecordHeaderSize + len);
  out->payload = b.substr(kRecordHeaderSize, len);
  std::uint32_t ops;
  if (len == 0 || !count_ops(out->payload, &ops)) return ParseResult::kBadPayload;
  return ParseResult::kOk;
}

RecordChecksum::RecordChecksum(std::uint64_t seed) : state_(XXH3_createState()) {
  if (!state_) throw std::bad_alloc();
  XXH3_64bits_reset_withSeed(static_cast<XXH3_state_t*>(state_), seed);
}

RecordChecksum::~RecordChecksum() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void RecordChecksum::update(std::string_view bytes) {
  XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), bytes.data(), bytes.size());
}

std::uint64_t RecordChecksum::digest() const {
  return XXH3_64bits_digest(static_cast<const XXH3_state_t*>(state_));
}

bool count_ops(std::string_view payload, std::uint32_t* count) {
  std::size_t pos = 0;
  std::uint32_t n = 0;
  WriteBatch::OpType t;
  std::string_view k, v;
  while (pos < payload.size()) {
    if (!detail::decode_op(payload, &pos, &t, &k, &v) || k.empty()) return false;
    ++n;
  }
  *count = n;
  return n > 0;
}

std::string segment_file_name(std::uint64_t segment) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "wal-%016" PRIx64 ".log", segment);
  return buf;
}

std::string snapshot_file_name(Lsn lsn) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "snapshot-%016" PRIx64 ".snap", lsn);
  return buf;
}

std::string dropped_file_name(std::uint64_t segment, std::uint64_t offset, unsigned n) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "dropped-%016" PRIx64 "-%016" PRIx64 "-%u.bin", segment,
                offset, n);
  return buf;
}

bool is_dropped_file_name(std::string_view name) {
  return name.starts_with("dropped-") && name.ends_with(".bin");
}

namespace {
bool parse_hex_name(std::string_view name, std::string_view prefix, std::string_view suffix,
                    std::uint64_t* out) {
  if (name.size() != prefix.size() + 16 + suffix.size()) return false;
  if (name.substr(0, prefix.size()) != prefix) return false;
  if (name.substr(prefix.size() + 16) != suffix) return false;
  std::uint64_t v = 0;
  for (char c : name.substr(prefix.size(), 16)) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  *out = v;
  return true;
}
}  // namespace

bool parse_segment_file_name(std::string_view name, std::uint64_t* segment) {
  return parse_hex_name(name, "wal-", ".log", segment);
}

bool parse_snapshot_file_name(std::string_view name, Lsn* lsn) {
  return parse_hex_name(name, "snapshot-", ".snap", lsn);
}

}  // namespace walkv::format
