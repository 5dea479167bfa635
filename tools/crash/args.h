// Command line of walkv-crash (docs/crash.md, "Options") and the run configuration it produces.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "walkv/options.h"

namespace walkv::crash {

// One rung of the commit-mode ladder (docs/crash.md): sync, os:<interval> or
// async:<interval>, the interval being the engine's flush_interval.
struct ModeSpec {
  std::string name;       // as given: "sync", "os:5ms", "async:1.5ms"
  CommitMode commit = CommitMode::kSync;
  std::chrono::microseconds flush_interval{0};  // 0 for sync, which has none
  bool sync() const { return commit == CommitMode::kSync; }
};

// kill: SIGKILL. power: SIGKILL, then unsynced data dropped as a power cut would.
// rot: SIGKILL and recovery, then bits flipped in the database at rest (media damage).
// double: SIGKILL; a recovery that only opens and reads durable_lsn(), SIGKILLed in turn;
// then a power cut of what neither process had synced.
enum class CrashKind { kKill, kPower, kRot, kDouble };
const char* crash_name(CrashKind k);
// What --crash names for a list of kinds: "both" (kill,power), "all" (kill,power,rot,double)
// or the kinds comma-separated.
std::string crash_list_name(const std::vector<CrashKind>& kinds);

// Parses "sync", "os:<duration>" or "async:<duration>" (walkv::tool::parse_duration: 500us,
// 1.5ms, 1s). Empty string on success, else the complaint.
std::string parse_mode(const std::string& text, ModeSpec* out);

struct Config {
  std::vector<ModeSpec> modes;
  std::vector<CrashKind> crashes;
  int trials = 20;                 // per (mode, crash kind)
  int writers = 4;
  std::uint64_t seed = 0;
  std::optional<int> trial;        // replay only this trial (of each mode and crash kind)
  std::string json_path, csv_path, plot_path, out_dir;
  std::string trials_csv_path;     // one line per trial
  std::string work_dir;            // where trial directories are made
  bool keep = false;               // keep every trial directory (failing ones always are)
  int min_crash_ms = 50;           // crash delay after the writers start, drawn uniformly
  int max_crash_ms = 300;
  std::string backend = "auto";    // async flusher: auto | uring | posix
  std::uint32_t keys_per_writer = 256;
  // Smaller than the engine's defaults so that trials roll segments and checkpoint (the
  // file creates, renames and unlinks a power cut can undo); flush_bytes = half the buffer.
  std::uint64_t segment_bytes = 2ull << 20;
  std::uint64_t log_buffer_bytes = 1ull << 20;
  std::uint64_t checkpoint_bytes = 2ull << 20;
  std::size_t ledger_mb = 512;
  // Async loss-bound check: the lost writes' acknowledgements span < 2 x flush interval +
  // this scheduling margin (docs/crash.md explains why).
  double window_margin_ms = 25;
  int rot_bits = 1;                // rot: bits flipped per trial
  std::string inject_bug;          // walkv-crash-buggy only: ack-before-sync | skip-bad-record
  bool quiet = false;              // no progress lines
  int jobs = 1;                    // trials run at once (--jobs 0: the CPUs we may run on)
};

// Exit code of a bad command line, distinct from the run's own (simulation.h).
inline constexpr int kUsageExit = 2;

// Parses argv for a parent run. Returns nullopt and sets *exit_code when the program should
// exit: --help and --version (0), bad usage (kUsageExit, after one line "error: ..." on
// stderr). `allow_bugs` registers --inject-bug (the buggy build).
std::optional<Config> parse_args(int argc, char** argv, bool allow_bugs, int* exit_code);

}  // namespace walkv::crash
