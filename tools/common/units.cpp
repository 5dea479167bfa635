#include "units.h"

#include <fmt/core.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace walkv::tool {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Splits "12.5ms" into the number 12.5 and the unit "ms". Only plain decimal notation.
bool split_number(std::string_view text, double* number, std::string_view* unit) {
  std::size_t end = 0;
  bool digits = false;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) {
    digits = digits || text[end] != '.';
    ++end;
  }
  if (!digits) return false;
  const char* first = text.data();
  const char* last = text.data() + end;
  auto [ptr, ec] = std::from_chars(first, last, *number, std::chars_format::fixed);
  if (ec != std::errc() || ptr != last || !std::isfinite(*number)) return false;
  *unit = text.substr(end);
  return true;
}

}  // namespace

std::optional<std::chrono::microseconds> parse_duration(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number(text, &number, &unit)) return std::nullopt;
  double micros = 0;
  if (unit == "us" || unit == "\xC2\xB5s" /* µs */) {
    micros = number;
  } else if (unit == "ms") {
    micros = number * 1e3;
  } else if (unit == "s") {
    micros = number * 1e6;
  } else {
    return std::nullopt;
  }
  micros = std::round(micros);
  if (micros < 1 || micros > 3600e6) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::int64_t>(micros));
}

std::optional<std::size_t> parse_byte_size(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  std::uint64_t number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, number);
  if (end == 0 || ec != std::errc() || ptr != text.data() + end) return std::nullopt;
  const std::string_view unit = text.substr(end);
  static constexpr std::pair<std::string_view, int> kUnits[] = {
      {"", 0}, {"b", 0}, {"k", 10}, {"kib", 10}, {"m", 20}, {"mib", 20}, {"g", 30}, {"gib", 30}};
  for (const auto& [name, shift] : kUnits) {
    if (!iequals(unit, name)) continue;
    if (number == 0 || number > (std::numeric_limits<std::size_t>::max() >> shift)) {
      return std::nullopt;
    }
    return static_cast<std::size_t>(number << shift);
  }
  return std::nullopt;
}

std::string duration_error(std::string_view text) {
  if (parse_duration(text)) return "";
  const std::string quoted = fmt::format("'{}'", text);
  double number = 0;
  std::string_view unit;
  if (text.starts_with('-')) return quoted + " is not above zero";
  if (!split_number(text, &number, &unit)) {
    return quoted + " is not a duration (use e.g. 500us, 5ms, 1s)";
  }
  if (unit.empty()) return quoted + " needs a unit (us, ms, s)";
  if (unit != "us" && unit != "\xC2\xB5s" && unit != "ms" && unit != "s") {
    return fmt::format("{} has an unknown unit '{}' (use us, ms, s)", quoted, unit);
  }
  if (number == 0) return quoted + " is not above zero";
  const double micros = unit == "s" ? number * 1e6 : unit == "ms" ? number * 1e3 : number;
  if (micros < 1) return quoted + " is below the resolution of 1us";
  return quoted + " is over the limit of 1 hour";
}

std::string byte_size_error(std::string_view text) {
  if (parse_byte_size(text)) return "";
  const std::string quoted = fmt::format("'{}'", text);
  if (text.starts_with('-')) return quoted + " is not above zero";
  std::size_t end = 0;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  if (end == 0 || (end < text.size() && text[end] == '.')) {
    return quoted + " is not a whole number of bytes (use e.g. 65536, 64K, 1M)";
  }
  if (text.find_first_not_of('0', 0) >= end) return quoted + " is not above zero";
  const std::string_view unit = text.substr(end);
  for (std::string_view known : {"", "b", "k", "kib", "m", "mib", "g", "gib"}) {
    if (iequals(unit, known)) return quoted + " is too large";
  }
  return fmt::format("{} has an unknown unit '{}' (use K, M, G)", quoted, unit);
}

std::string format_latency(std::chrono::nanoseconds d) {
  const double ns = static_cast<double>(d.count());
  if (ns < 1e3) return fmt::format("{}ns", d.count());
  if (ns < 1e4) return fmt::format("{:.1f}us", ns / 1e3);
  if (ns < 1e6) return fmt::format("{:.0f}us", ns / 1e3);
  if (ns < 1e7) return fmt::format("{:.2f}ms", ns / 1e6);
  if (ns < 1e9) return fmt::format("{:.1f}ms", ns / 1e6);
  return fmt::format("{:.2f}s", ns / 1e9);
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr const char* kNames[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kNames)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kNames[unit]);
}

}  // namespace walkv::tool
