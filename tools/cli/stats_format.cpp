#include "stats_format.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstddef>

#include "escape.h"

namespace walkv::cli {

std::vector<std::pair<std::string, std::string>> stats_fields(const Stats& stats) {
  const RecoveryReport& r = stats.recovery;
  std::vector<std::pair<std::string, std::string>> f = {
      {"commits", fmt::format("{}", stats.commits)},
      {"fsyncs", fmt::format("{}", stats.fsyncs)},
      {"flushes", fmt::format("{}", stats.flushes)},
      {"bytes_written", fmt::format("{}", stats.bytes_written)},
      {"commits_per_flush", fmt::format("{:.2f}", stats.commits_per_flush)},
      {"last_lsn", fmt::format("{}", stats.last_lsn)},
      {"durable_lsn", fmt::format("{}", stats.durable_lsn)},
      {"io_backend", stats.io_backend},
      {"wal_bytes", fmt::format("{}", stats.wal_bytes)},
      {"wal_segments", fmt::format("{}", stats.wal_segments)},
      {"checkpoints", fmt::format("{}", stats.checkpoints)},
      {"snapshot_lsn", fmt::format("{}", stats.snapshot_lsn)},
      {"keys", fmt::format("{}", stats.keys)},
      {"backpressure_waits", fmt::format("{}", stats.backpressure_waits)},
      {"failed", stats.failed ? "yes" : "no"},
      {"recovery.snapshot_lsn", fmt::format("{}", r.snapshot_lsn)},
      {"recovery.segments_read", fmt::format("{}", r.segments_read)},
      {"recovery.records_replayed", fmt::format("{}", r.records_replayed)},
      {"recovery.last_lsn", fmt::format("{}", r.last_lsn)},
      {"recovery.dropped_bytes", fmt::format("{}", r.dropped_bytes)},
  };
  if (r.dropped_bytes > 0) {
    f.emplace_back("recovery.dropped_at", fmt::format("segment {} offset {}: {}", r.dropped_segment,
                                                      r.dropped_offset, r.dropped_reason));
  }
  f.emplace_back("recovery.ms", fmt::format("{:.3f}", r.duration_ms));
  return f;
}

std::string format_stats_lines(const Stats& stats) {
  const auto fields = stats_fields(stats);
  std::size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, name.size());
  std::string out;
  for (const auto& [name, value] : fields) {
    out += fmt::format("{:<{}}  {}\n", name, width, escape_bytes(value));
  }
  return out;
}

std::string format_stats_line(const Stats& stats) {
  std::string out;
  for (const auto& [name, value] : stats_fields(stats)) {
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += quote_word(value);
  }
  return out;
}

}  // namespace walkv::cli
