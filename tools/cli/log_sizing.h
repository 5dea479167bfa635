// How the CLI sizes the engine's log, so that a small database stays small on disk.
//
// The engine preallocates and zeroes every WAL segment and keeps the next one prepared, so
// a database costs about two segments before its first byte of data. The engine's default
// segment (32 MiB) suits a server; a database made by the CLI uses --segment-bytes (default
// kDefaultSegmentBytes) instead. The engine also requires segment_bytes > log_buffer_bytes
// + 4 KiB, and the log buffer caps the largest single write, so the CLI derives the buffer
// from the segment size and, when one command knows it needs a larger write (a one-shot put
// of a big value, an import), grows both for that process only: segments are sized per
// file, so a database may mix sizes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "global_options.h"

namespace walkv::cli {

inline constexpr std::uint64_t kDefaultSegmentBytes = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMinSegmentBytes = std::uint64_t{64} << 10;  // the engine's
inline constexpr std::uint64_t kMaxSegmentBytes = std::uint64_t{1} << 30;   // limits
// Room between the log buffer and the segment: the engine needs more than 4 KiB.
inline constexpr std::uint64_t kSegmentSlack = std::uint64_t{8} << 10;
// The async flusher's default trigger: a quarter of the default segment, so that a flush
// never waits for a segment switch it could have avoided (capped at half the log buffer).
inline constexpr std::size_t kDefaultFlushBytes = std::size_t{256} << 10;

struct LogSizing {
  std::uint64_t segment_bytes = 0;
  std::size_t log_buffer_bytes = 0;  // the largest write this process can make
  std::size_t flush_bytes = 0;
};

// An upper bound on the log bytes of one put (record header, op header, padding included).
std::size_t write_bound(std::size_t key_size, std::size_t value_size);

// The largest write (write_bound()) the options allow without growing anything.
std::size_t log_buffer_limit(const GlobalOptions& global);

// The sizes for a process whose largest write needs `largest_write` bytes (0: unknown).
LogSizing log_sizing(const GlobalOptions& global, std::size_t largest_write);

}  // namespace walkv::cli
