// The WAL's on-disk layout: segment header and record. Every byte here is described in the
// README ("On-disk format"); change one and you change the format version.
//
// Segment file "wal-<16 hex digits>.log", a fixed size (Options::segment_bytes), preallocated
// and zero-filled (or recycled) before its first record is written:
//   [0,64)  segment header: magic "WALKVLOG", u32 version, u32 header size (64),
//           u64 segment number, u64 segment size, 24 zero bytes, u64 XXH3-64 of [0,56)
//   [64, …) records back to back; a record never spans two segments; the rest is zeros
//           (or, in a recycled segment, stale records of an older segment number).
// Record (all integers little-endian):
//   [0,8)   u64 XXH3-64 of bytes [8, 40 + payload length)
//   [8,12)  u32 payload length
//   [12]    u8  type (1 = batch)
//   [13,16) zero
//   [16,24) u64 LSN (exactly previous + 1)
//   [24,32) u64 segment number (must equal the file's)
//   [32,40) u64 synced LSN: every LSN <= this was durable when the record was written, so
//           a later valid record proves an earlier bad one was durable (corruption, not a
//           torn tail)
//   [40, …) payload: WriteBatch ops: u8 op (1 put, 2 del), varint32 key length, key,
//           and for put varint32 value length, value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "walkv/options.h"

namespace walkv::format {

inline constexpr char kSegmentMagic[8] = {'W', 'A', 'L', 'K', 'V', 'L', 'O', 'G'};
inline constexpr std::uint32_t kSegmentVersion = 1;
inline constexpr std::size_t kSegmentHeaderSize = 64;
inline constexpr std::size_t kRecordHeaderSize = 40;
inline constexpr std::uint8_t kRecordTypeBatch = 1;
inline constexpr std::uint64_t kMinSegmentBytes = 64 * 1024;
inline constexpr std::uint64_t kMaxSegmentBytes = std::uint64_t{1} << 30;

struct SegmentHeader {
  std::uint64_t segment = 0;
  std::uint64_t segment_bytes = 0;
  std::uint32_t version = kSegmentVersion;
};

std::string encode_segment_header(std::uint64_t segment, std::uint64_t segment_bytes);
// OK, or a reason ("bad magic", "header checksum mismatch", "format version 7 is newer
// than this build's 1"). `newer_version` is set when the header is valid but too new.
bool decode_segment_header(std::string_view bytes, SegmentHeader* out, std::string* reason,
                           bool* newer_version);

struct RecordView {
  Lsn lsn = 0;
  Lsn synced_lsn = 0;
  std::uint64_t segment = 0;
  std::uint32_t size = 0;  // header + payload
  std::string_view payload;
};

// Appends a complete record to dst (header, payload, checksum).
void append_record(std::string* dst, Lsn lsn, std::uint64_t segment, Lsn synced_lsn,
                   std::string_view payload);

inline std::size_t record_size(std::size_t payload_len) {
  return kRecordHeaderSize + payload_len;
}

enum class ParseResult {
  kOk,
  kZero,          // the header is all zero: the log ends here (or a zeroed tail)
  kTruncated,     // the header or payload runs past the end of the segment
  kBadChecksum,
  kBadType,
  kBadSegment,    // a stale record from an earlier use of a recycled file
  kBadPayload,    // checksum fine but the batch does not decode (a bug or forged data)
};
const char* parse_result_name(ParseResult r);

// Parses the record at the start of `bytes` (the rest of the segment). Never reads beyond
// `bytes`; a length field larger than what is left is kTruncated, not an allocation.
ParseResult parse_record(std::string_view bytes, std::uint64_t expected_segment,
                         RecordView* out);

// A record's checksum (XXH3-64 of its bytes [8, 40 + payload length)) over those bytes fed
// in pieces: for a reader that holds a long record in parts. Equals parse_record's.
class RecordChecksum {
 public:
  RecordChecksum();
  ~RecordChecksum();
  RecordChecksum(const RecordChecksum&) = delete;
  RecordChecksum& operator=(const RecordChecksum&) = delete;
  void update(std::string_view bytes);
  std::uint64_t digest() const;

 private:
  void* state_;  // XXH3_state_t
};

// Number of operations in a payload; false if it does not decode exactly.
bool count_ops(std::string_view payload, std::uint32_t* count);

std::string segment_file_name(std::uint64_t segment);    // "wal-%016llx.log"
std::string snapshot_file_name(Lsn lsn);                 // "snapshot-%016llx.snap"
bool parse_segment_file_name(std::string_view name, std::uint64_t* segment);
bool parse_snapshot_file_name(std::string_view name, Lsn* lsn);

}  // namespace walkv::format
