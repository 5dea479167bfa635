// What a result file says about the run that made it (docs/crash.md, "Result files"): which
// walkv, which options, when, on what file system and flusher backend — so that a
// results.json or results.csv read months later, or beside another, explains itself.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "args.h"

namespace walkv::crash {

// Bumped when a field changes meaning or goes away (adding one does not bump it).
// 1 was the bare array of rows; 2 is {"meta": ..., "results": [...]}.
inline constexpr int kResultsSchema = 2;

struct RunMeta {
  std::string version, commit;  // build_info.h
  std::uint64_t seed = 0;
  nlohmann::ordered_json options;  // every option of the run, as parsed
  std::string date;                // when the run started, UTC ISO-8601
  std::string file_system;         // of --work-dir: "ext4", "tmpfs", ... or "unknown"
  std::string backend;             // the async flusher's, as the workload reported it
  int trials_planned = 0, trials_done = 0;
  bool interrupted = false;        // SIGINT: the results cover trials_done trials only
};

// Everything but the run's outcome (backend, trials_done, interrupted).
RunMeta make_meta(const Config& config, std::int64_t start_unix_seconds);

// Each option by its command-line name, sizes in bytes, durations as typed.
nlohmann::ordered_json options_json(const Config& config);

// The name of the file system holding `path` (statfs f_type), "unknown" if unrecognised.
std::string file_system_name(const std::string& path);

// "2026-12-06T14:03:59Z".
std::string iso8601_utc(std::int64_t unix_seconds);

nlohmann::ordered_json meta_json(const RunMeta& meta);

// The same as CSV comment lines: "# key: value\n", options as one line of JSON.
std::string meta_csv_comments(const RunMeta& meta);

}  // namespace walkv::crash
