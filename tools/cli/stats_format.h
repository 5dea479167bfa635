// DB::stats() as named fields, printed one per line by `walkv stats` and on one line by
// the shell's `stats`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "walkv/db.h"

namespace walkv::cli {

// (name, value) pairs; values hold no newline. Counters cover the life of this process's DB
// handle; "recovery.*" describes what opening it found on disk.
std::vector<std::pair<std::string, std::string>> stats_fields(const Stats& stats);

// "name  value" lines, names padded to one column.
std::string format_stats_lines(const Stats& stats);

// "name=value name=value ..." on one line (values quoted as shell words where needed).
std::string format_stats_line(const Stats& stats);

}  // namespace walkv::cli
