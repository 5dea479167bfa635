#include "log_sizing.h"

#include <algorithm>

namespace walkv::cli {

std::size_t write_bound(std::size_t key_size, std::size_t value_size) {
  // 40-byte record header, 1 type byte, two varints of at most 5 bytes, 8-byte padding.
  constexpr std::size_t kOverhead = 40 + 1 + 5 + 5 + 7;
  return kOverhead + key_size + value_size;
}

std::size_t log_buffer_limit(const GlobalOptions& global) {
  return static_cast<std::size_t>(global.segment_bytes.value_or(kDefaultSegmentBytes) -
                                  kSegmentSlack);
}

LogSizing log_sizing(const GlobalOptions& global, std::size_t largest_write) {
  LogSizing s;
  s.log_buffer_bytes = std::max(log_buffer_limit(global), largest_write);
  s.segment_bytes = std::max<std::uint64_t>(global.segment_bytes.value_or(kDefaultSegmentBytes),
                                            s.log_buffer_bytes + kSegmentSlack);
  s.flush_bytes = global.flush_bytes.value_or(std::min(kDefaultFlushBytes, s.log_buffer_bytes / 2));
  return s;
}

}  // namespace walkv::cli
