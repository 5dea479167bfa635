// The WAL's on-disk layout: segment header, record, control file, file names. Every byte
// here is described in docs/design.md ("On-disk format"); change one and you change a format
// version.
//
// Segment file "wal-<16 hex digits>.log", a fixed size (Options::segment_bytes), created
// full size and zero-filled before its first record is written:
//   [0,64)  segment header: magic "WALKVLOG", u32 version, u32 header size (64),
//           u64 segment number, u64 segment size, u64 salt (version 2; zero in version 1),
//           16 zero bytes, u64 XXH3-64 of [0,56)
//   [64, …) records back to back; a record never spans two segments; the rest is zeros.
//
// Record, version 2 (all integers little-endian), at 8-byte-aligned offsets:
//   [0,8)   u64 header checksum: XXH3-64 seeded with the segment's salt, of bytes [8,40)
//   [8,12)  u32 payload length
//   [12]    u8  type (1 = batch)
//   [13,16) zero
//   [16,24) u64 LSN (exactly previous + 1)
//   [24,32) u64 synced LSN: every LSN <= this was durable when the record was written, so
//           a later genuine record proves an earlier bad one was durable (damage, not a torn
//           tail)
//   [32,40) u64 payload checksum: XXH3-64 seeded with the salt, of the payload
//   [40, …) payload: WriteBatch ops (u8 op 1 put / 2 del, varint32 key length, key, and for
//           put varint32 value length, value), then zeros up to the next multiple of 8.
// Why the salt: it is random per segment and never written by a user, so no value's bytes
// and no record of another segment (a copied, swapped or older file) can pass as a record of
// this one. Why the header checksum: a length is trusted only once its header is genuine, so
// a damaged length never makes the reader checksum megabytes. Why the alignment: after
// damage the reader finds the next genuine record by trying every eighth offset, not every
// byte (wal_reader.h).
//
// Record, version 1 (read only): [0,8) XXH3-64 (unseeded) of [8, 40 + payload length),
// [8,12) length, [12] type, [13,16) zero, [16,24) LSN, [24,32) segment number, [32,40)
// synced LSN, payload; no padding.
//
// Control file "CONTROL" (control_file.h): the durable record of how far the log reached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "walkv/options.h"

namespace walkv::format {

inline constexpr char kSegmentMagic[8] = {'W', 'A', 'L', 'K', 'V', 'L', 'O', 'G'};
inline constexpr std::uint32_t kSegmentVersion = 2;
inline constexpr std::size_t kSegmentHeaderSize = 64;
inline constexpr std::size_t kRecordHeaderSize = 40;
inline constexpr std::size_t kRecordAlign = 8;
inline constexpr std::uint8_t kRecordTypeBatch = 1;
inline constexpr std::uint64_t kMinSegmentBytes = 64 * 1024;
inline constexpr std::uint64_t kMaxSegmentBytes = std::uint64_t{1} << 30;

// Which record layout a segment's records use, and the identity they must carry.
struct SegmentFormat {
  std::uint32_t version = kSegmentVersion;
  std::uint64_t number = 0;
  std::uint64_t salt = 0;  // version 2
};

struct SegmentHeader {
  std::uint64_t segment = 0;
  std::uint64_t segment_bytes = 0;
  std::uint32_t version = kSegmentVersion;
  std::uint64_t salt = 0;
  SegmentFormat format() const { return {version, segment, salt}; }
};

// A fresh random salt for a new segment (never zero).
std::uint64_t new_salt();
std::string encode_segment_header(std::uint64_t segment, std::uint64_t segment_bytes,
                                  std::uint64_t salt);
// OK, or a reason ("bad magic", "header checksum mismatch", "format version 7 is newer
// than this build's 2"). `newer_version` is set when the header is valid but too new.
bool decode_segment_header(std::string_view bytes, SegmentHeader* out, std::string* reason,
                           bool* newer_version);

struct RecordView {
  Lsn lsn = 0;
  Lsn synced_lsn = 0;
  std::uint32_t size = 0;  // bytes the record takes in the segment: header, payload, padding
  std::string_view payload;
};

// Appends a complete version-2 record (header, payload, padding) to dst.
void append_record(std::string* dst, std::uint64_t salt, Lsn lsn, Lsn synced_lsn,
                   std::string_view payload);
// Appends a version-1 record (for tests of the version-1 read path).
void append_record_v1(std::string* dst, Lsn lsn, std::uint64_t segment, Lsn synced_lsn,
                      std::string_view payload);

// Bytes a version-2 record with this payload takes in a segment.
inline std::size_t record_size(std::size_t payload_len) {
  return (kRecordHeaderSize + payload_len + kRecordAlign - 1) & ~(kRecordAlign - 1);
}

enum class ParseResult {
  kOk,
  kZero,          // the header is all zero: the segment's records end here
  kTruncated,     // the header or payload runs past the end of the segment
  kBadHeader,     // header checksum mismatch: not a record of this segment
  kBadChecksum,   // a genuine header whose payload does not match its checksum
  kBadType,
  kBadSegment,    // version 1: a record of another segment
  kBadPayload,    // checksums fine but the batch does not decode (a bug)
};
const char* parse_result_name(ParseResult r);

// Checks the 40-byte record header at h against segment `f` with `room` bytes from h to the
// end of the segment: kOk (and *len) if its header checksum, type and length are right
// (version 1 has no header checksum: kOk means only that the length fits). Cheap field
// checks run before the hash, so scanning zeros or user bytes costs little.
ParseResult check_header(const char* h, std::uint64_t room, const SegmentFormat& f,
                         std::uint32_t* len);

// Parses the record at the start of `bytes` (the rest of the segment, or at least the whole
// record). Never reads beyond `bytes`; a length larger than what is left is kTruncated.
ParseResult parse_record(std::string_view bytes, const SegmentFormat& f, RecordView* out);
// parse_record for a record whose header check_header() has passed with payload length
// `len`; `bytes` holds at least the whole record. Checks the payload only.
ParseResult parse_checked(std::string_view bytes, const SegmentFormat& f, std::uint32_t len,
                          RecordView* out);

// The checksum that covers a record's payload (version 2: the payload, seeded with the salt;
// version 1: bytes [8, 40 + length)), fed in pieces by a reader that holds a long record in
// parts. payload_checksum_range/stored_checksum say what to feed and what to compare with.
class RecordChecksum {
 public:
  explicit RecordChecksum(std::uint64_t seed);
  ~RecordChecksum();
  RecordChecksum(const RecordChecksum&) = delete;
  RecordChecksum& operator=(const RecordChecksum&) = delete;
  void update(std::string_view bytes);
  std::uint64_t digest() const;

 private:
  void* state_;  // XXH3_state_t
};
// Offset, from the record's start, of the first byte the payload checksum covers.
inline std::size_t checksum_start(const SegmentFormat& f) {
  return f.version == 1 ? 8 : kRecordHeaderSize;
}
// The payload checksum stored in a record header.
std::uint64_t stored_checksum(const char* header, const SegmentFormat& f);

// Number of operations in a payload; false if it does not decode exactly.
bool count_ops(std::string_view payload, std::uint32_t* count);

inline constexpr std::string_view kControlFileName = "CONTROL";
std::string segment_file_name(std::uint64_t segment);    // "wal-%016llx.log"
std::string snapshot_file_name(Lsn lsn);                 // "snapshot-%016llx.snap"
// "dropped-<16 hex segment>-<16 hex offset>-<n>.bin": bytes recovery took out of the log.
std::string dropped_file_name(std::uint64_t segment, std::uint64_t offset, unsigned n);
bool parse_segment_file_name(std::string_view name, std::uint64_t* segment);
bool parse_snapshot_file_name(std::string_view name, Lsn* lsn);
bool is_dropped_file_name(std::string_view name);

}  // namespace walkv::format
