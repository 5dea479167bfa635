// Durations and byte sizes as people type and read them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walkv::cli {

// "500us", "5ms", "1s", "1.5ms" (also "µs") -> microseconds. The unit is required. Empty,
// negative, zero, below one microsecond or above one hour: nullopt.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text);

// "4096", "64K", "64KiB", "1M", "1MiB", "1G" (binary multiples, case-insensitive) -> bytes.
// Zero or malformed: nullopt.
std::optional<std::size_t> parse_byte_size(std::string_view text);

// A latency with about three significant digits: "850ns", "1.8us", "131us", "2.35ms",
// "12.3ms", "1.20s".
std::string format_latency(std::chrono::nanoseconds d);

// "512 B", "4.0 KiB", "64.0 MiB".
std::string format_bytes(std::uint64_t bytes);

}  // namespace walkv::cli
