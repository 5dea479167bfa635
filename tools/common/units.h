// Durations and byte sizes as people type and read them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walkv::tool {

// "500us", "5ms", "1s", "1.5ms" (also "µs") -> microseconds. The unit is required. Empty,
// negative, zero, below one microsecond or above one hour: nullopt.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text);

// Why parse_duration() refuses `text`, as a phrase that follows the option's name:
// "'5' needs a unit (us, ms, s)", "'2h' has an unknown unit 'h' (use us, ms, s)",
// "'0ms' is not above zero", "'2000s' is over the limit of 1 hour". Empty if it accepts it.
std::string duration_error(std::string_view text);

// "4096", "64K", "64KiB", "1M", "1MiB", "1G" (binary multiples, case-insensitive) -> bytes.
// Zero or malformed: nullopt.
std::optional<std::size_t> parse_byte_size(std::string_view text);

// Why parse_byte_size() refuses `text`, like duration_error(): "'0' is not above zero",
// "'1.5M' is not a whole number of bytes (use e.g. 65536, 64K, 1M)". Empty if it accepts it.
std::string byte_size_error(std::string_view text);

// A latency with about three significant digits: "850ns", "1.8us", "131us", "2.35ms",
// "12.3ms", "1.20s".
std::string format_latency(std::chrono::nanoseconds d);

// "512 B", "4.0 KiB", "64.0 MiB".
std::string format_bytes(std::uint64_t bytes);

}  // namespace walkv::tool
