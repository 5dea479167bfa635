#include "record_format.h"

// Compiled in rather than called in libxxhash: recovery checksums every record on the
// thread that reads the log, the one its speed depends on (about 5% of an open of a
// 2.1M-record log, ABBA x 4).
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>

#include "coding.h"
#include "walkv/write_batch.h"

namespace walkv::format {

namespace {
constexpr std::size_t kHeaderChecksumOffset = 56;

std::uint64_t hash(const char* p, std::size_t n) { return XXH3_64bits(p, n); }

bool all_zero(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i]) return false;
  return true;
}
}  // namespace

std::string encode_segment_header(std::uint64_t segment, std::uint64_t segment_bytes) {
  std::string h(kSegmentHeaderSize, '\0');
  std::memcpy(h.data(), kSegmentMagic, 8);
  put_u32(h.data() + 8, kSegmentVersion);
  put_u32(h.data() + 12, kSegmentHeaderSize);
  put_u64(h.data() + 16, segment);
  put_u64(h.data() + 24, segment_bytes);
  put_u64(h.data() + kHeaderChecksumOffset, hash(h.data(), kHeaderChecksumOffset));
  return h;
}

bool decode_segment_header(std::string_view b, SegmentHeader* out, std::string* reason,
                           bool* newer_version) {
  *newer_version = false;
  if (b.size() < kSegmentHeaderSize) {
    *reason = "segment header truncated";
    return false;
  }
  if (std::memcmp(b.data(), kSegmentMagic, 8) != 0) {
    *reason = "bad segment magic";
    return false;
  }
  if (get_u64(b.data() + kHeaderChecksumOffset) != hash(b.data(), kHeaderChecksumOffset)) {
    *reason = "segment header checksum mismatch";
    return false;
  }
  out->version = get_u32(b.data() + 8);
  if (out->version > kSegmentVersion) {
    *newer_version = true;
    *reason = "segment format version " + std::to_string(out->version) +
              " is newer than this build's " + std::to_string(kSegmentVersion);
    return false;
  }
  if (get_u32(b.data() + 12) != kSegmentHeaderSize) {
    *reason = "unexpected segment header size";
    return false;
  }
  out->segment = get_u64(b.data() + 16);
  out->segment_bytes = get_u64(b.data() + 24);
  return true;
}

void append_record(std::string* dst, Lsn lsn, std::uint64_t segment, Lsn synced_lsn,
                   std::string_view payload) {
  std::size_t start = dst->size();
  dst->resize(start + kRecordHeaderSize);
  char* h = dst->data() + start;
  put_u32(h + 8, static_cast<std::uint32_t>(payload.size()));
  h[12] = static_cast<char>(kRecordTypeBatch);
  h[13] = h[14] = h[15] = 0;
  put_u64(h + 16, lsn);
  put_u64(h + 24, segment);
  put_u64(h + 32, synced_lsn);
  dst->append(payload);
  h = dst->data() + start;  // append may have moved the buffer
  put_u64(h, hash(h + 8, kRecordHeaderSize - 8 + payload.size()));
}

const char* parse_result_name(ParseResult r) {
  switch (r) {
    case ParseResult::kOk: return "ok";
    case ParseResult::kZero: return "zeroed";
    case ParseResult::kTruncated: return "torn (truncated record)";
    case ParseResult::kBadChecksum: return "checksum mismatch";
    case ParseResult::kBadType: return "bad record type";
    case ParseResult::kBadSegment: return "stale record (other segment)";
    case ParseResult::kBadPayload: return "undecodable payload";
  }
  return "?";
}

ParseResult parse_record(std::string_view b, std::uint64_t expected_segment, RecordView* out) {
  if (b.size() < kRecordHeaderSize) {
    return all_zero(b.data(), b.size()) ? ParseResult::kZero : ParseResult::kTruncated;
  }
  const char* h = b.data();
  if (all_zero(h, kRecordHeaderSize)) return ParseResult::kZero;
  std::uint32_t len = get_u32(h + 8);
  if (len > b.size() - kRecordHeaderSize) return ParseResult::kTruncated;
  if (get_u64(h) != hash(h + 8, kRecordHeaderSize - 8 + len)) return ParseResult::kBadChecksum;
  if (static_cast<std::uint8_t>(h[12]) != kRecordTypeBatch || h[13] || h[14] || h[15])
    return ParseResult::kBadType;
  if (get_u64(h + 24) != expected_segment) return ParseResult::kBadSegment;
  out->lsn = get_u64(h + 16);
  out->segment = expected_segment;
  out->synced_lsn = get_u64(h + 32);
  out->size = static_cast<std::uint32_t>(kRecordHeaderSize + len);
  out->payload = b.substr(kRecordHeaderSize, len);
  std::uint32_t ops;
  if (len == 0 || !count_ops(out->payload, &ops)) return ParseResult::kBadPayload;
  return ParseResult::kOk;
}

RecordChecksum::RecordChecksum() : state_(XXH3_createState()) {
  if (!state_) throw std::bad_alloc();
  XXH3_64bits_reset(static_cast<XXH3_state_t*>(state_));
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
