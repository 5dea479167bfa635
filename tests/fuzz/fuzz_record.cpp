// libFuzzer: the WAL record parser on arbitrary bytes, in both record layouts. It must never
// read out of bounds, and whatever it accepts must be self-consistent (size within input and
// as the layout says, payload decodes, check_header agrees).
//
// Input: [0] layout (odd: version 1, even: version 2), [1,9) the segment's salt (u64 LE;
// version 2), then the bytes of the segment from the record on. A version-1 record must name
// its segment: the fuzzer's segment number is the record's own field, so forged records can
// match.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "record_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace format = walkv::format;
  if (size < 9) return 0;
  format::SegmentFormat f;
  f.version = (data[0] & 1) ? 1 : 2;
  std::memcpy(&f.salt, data + 1, 8);
  if (f.version == 1) f.salt = 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 9, size - 9);
  if (f.version == 1 && in.size() >= 32) std::memcpy(&f.number, in.data() + 24, 8);

  format::RecordView rec;
  if (format::parse_record(in, f, &rec) == format::ParseResult::kOk) {
    const std::size_t want = f.version == 1 ? format::kRecordHeaderSize + rec.payload.size()
                                            : format::record_size(rec.payload.size());
    if (rec.size > in.size() || rec.size != want) std::abort();
    if (rec.payload.data() != in.data() + format::kRecordHeaderSize) std::abort();
    std::uint32_t ops;
    if (!format::count_ops(rec.payload, &ops) || ops == 0) std::abort();
    std::uint32_t len = 0;
    if (format::check_header(in.data(), in.size(), f, &len) != format::ParseResult::kOk ||
        len != rec.payload.size())
      std::abort();
  }
  if (in.size() >= format::kRecordHeaderSize) {
    std::uint32_t len = 0;
    if (format::check_header(in.data(), in.size(), f, &len) == format::ParseResult::kOk &&
        len > in.size() - format::kRecordHeaderSize)
      std::abort();  // a length is trusted only when it fits
  }
  format::SegmentHeader h;
  std::string why;
  bool newer;
  (void)format::decode_segment_header(in, &h, &why, &newer);
  return 0;
}
