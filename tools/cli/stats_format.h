// DB::stats() as named fields, for `walkv stats`, the shell's `stats` and their --json.
//
// Fields named "process.*" count what this process's DB handle did since it opened the
// database (a one-shot `stats` shows zeros there: it has done nothing yet); "recovery.*"
// describe what that open found on disk; the rest describe the database itself.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "walkv/db.h"

namespace walkv::cli {

// (name, value) pairs in a fixed order; values are numbers, strings or booleans.
std::vector<std::pair<std::string, nlohmann::json>> stats_fields(const Stats& stats);

// The lines "name  value", names padded to one column, each line starting with `indent`.
std::string format_stats_lines(const Stats& stats, const std::string& indent = "");

// One object: "process" and "recovery" fields nested under those names, the rest at the
// top ({"process": {"commits": 0, ...}, "last_lsn": 4, ..., "recovery": {...}}).
nlohmann::json stats_json(const Stats& stats);

}  // namespace walkv::cli
