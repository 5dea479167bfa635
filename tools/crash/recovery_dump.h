// What the recovery process found, sent to the parent on its stdout.
//
// The recovery process (`walkv-crash __recover`) opens the crashed directory, scans every
// key, then checks that the recovered DB takes a new write and reopens to the same state.
// Values are arbitrary bytes (a garbage value is exactly what we look for), so the format
// is length-prefixed binary, not JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walkv::crash {

struct RecoveredState {
  bool opened = false;           // DB::open succeeded
  std::string open_error;        // Status::ToString() when it did not
  std::uint64_t last_lsn = 0;    // stats().recovery.last_lsn
  std::uint64_t snapshot_lsn = 0;
  std::uint64_t records_replayed = 0;
  std::uint64_t dropped_bytes = 0;
  std::string dropped_reason;
  double open_ms = 0;            // wall time of DB::open in the fresh process
  std::vector<std::pair<std::string, std::string>> kv;  // every key, scan order
  bool reopen_ok = false;        // a write after recovery, then a reopen, kept everything
  std::string reopen_error;
};

// The key and value the recovery process writes after its scan (not a workload key). The
// value is always the same, so that a recovery of a directory already recovered once
// rewrites the marker without changing the key/value set (rot trials rely on it).
inline constexpr std::string_view kMarkerKey = "~walkv-crash-marker";
inline constexpr std::string_view kMarkerValue = "after-recovery";

std::string encode_recovered(const RecoveredState& s);
// False (with *error) if the bytes are not a whole dump.
bool decode_recovered(std::string_view in, RecoveredState* out, std::string* error);

}  // namespace walkv::crash
