// libFuzzer: the WAL record parser on arbitrary bytes. It must never read out of bounds,
// and whatever it accepts must be self-consistent (size within input, payload decodes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "record_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  walkv::format::RecordView rec;
  std::uint64_t segment = size >= 32 ? data[24] : 1;  // sometimes match the forged field
  if (walkv::format::parse_record(in, segment, &rec) == walkv::format::ParseResult::kOk) {
    if (rec.size > size || rec.payload.size() + walkv::format::kRecordHeaderSize != rec.size)
      std::abort();
    std::uint32_t ops;
    if (!walkv::format::count_ops(rec.payload, &ops) || ops == 0) std::abort();
  }
  walkv::format::SegmentHeader h;
  std::string why;
  bool newer;
  (void)walkv::format::decode_segment_header(in, &h, &why, &newer);
  return 0;
}
