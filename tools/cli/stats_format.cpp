#include "stats_format.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "escape.h"

namespace walkv::cli {

std::vector<std::pair<std::string, nlohmann::json>> stats_fields(const Stats& stats) {
  const RecoveryReport& r = stats.recovery;
  // Two decimals are all a ratio of counts needs; JSON gets the same rounded number.
  const double per_flush = std::round(stats.commits_per_flush * 100) / 100;
  std::vector<std::pair<std::string, nlohmann::json>> f = {
      {"process.commits", stats.commits},
      {"process.fsyncs", stats.fsyncs},
      {"process.flushes", stats.flushes},
      {"process.bytes_written", stats.bytes_written},
      {"process.commits_per_flush", per_flush},
      {"process.checkpoints", stats.checkpoints},
      {"process.backpressure_waits", stats.backpressure_waits},
      {"last_lsn", stats.last_lsn},
      {"durable_lsn", stats.durable_lsn},
      {"io_backend", stats.io_backend},
      {"wal_bytes", stats.wal_bytes},
      {"wal_segments", stats.wal_segments},
      {"snapshot_lsn", stats.snapshot_lsn},
      {"keys", stats.keys},
      {"failed", stats.failed},
      {"recovery.snapshot_lsn", r.snapshot_lsn},
      {"recovery.segments_read", r.segments_read},
      {"recovery.records_replayed", r.records_replayed},
      {"recovery.last_lsn", r.last_lsn},
      {"recovery.dropped_bytes", r.dropped_bytes},
  };
  if (r.dropped_bytes > 0) {
    f.emplace_back("recovery.dropped_at", fmt::format("segment {} offset {}: {}", r.dropped_segment,
                                                      r.dropped_offset, r.dropped_reason));
  }
  f.emplace_back("recovery.ms", std::round(r.duration_ms * 1000) / 1000);
  return f;
}

std::string format_stats_lines(const Stats& stats, const std::string& indent) {
  const auto fields = stats_fields(stats);
  std::size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, name.size());
  std::string out;
  for (const auto& [name, value] : fields) {
    std::string text;
    if (value.is_string()) {
      text = escape_bytes(value.get<std::string>());
    } else if (value.is_boolean()) {
      text = value.get<bool>() ? "yes" : "no";
    } else if (name == "process.commits_per_flush") {
      text = fmt::format("{:.2f}", value.get<double>());
    } else if (value.is_number_float()) {
      text = fmt::format("{:.3f}", value.get<double>());
    } else {
      text = value.dump();
    }
    out += fmt::format("{}{:<{}}  {}\n", indent, name, width, text);
  }
  return out;
}

nlohmann::json stats_json(const Stats& stats) {
  nlohmann::json obj = nlohmann::json::object();
  for (auto& [name, value] : stats_fields(stats)) {
    const std::size_t dot = name.find('.');
    if (dot == std::string::npos) {
      obj[name] = std::move(value);
    } else {
      obj[name.substr(0, dot)][name.substr(dot + 1)] = std::move(value);
    }
  }
  return obj;
}

}  // namespace walkv::cli
