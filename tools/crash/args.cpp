#include "args.h"

#include <algorithm>
#include <charconv>
#include <random>
#include <sched.h>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "build_info.h"
#include "units.h"

namespace walkv::crash {

const char* crash_name(CrashKind k) {
  switch (k) {
    case CrashKind::kKill: return "kill";
    case CrashKind::kPower: return "power";
    case CrashKind::kRot: return "rot";
    case CrashKind::kDouble: return "double";
  }
  return "?";
}

std::string crash_list_name(const std::vector<CrashKind>& kinds) {
  using enum CrashKind;
  if (kinds == std::vector<CrashKind>{kKill, kPower}) return "both";
  if (kinds == std::vector<CrashKind>{kKill, kPower, kRot, kDouble}) return "all";
  std::string out;
  for (const auto k : kinds) out += (out.empty() ? "" : ",") + std::string(crash_name(k));
  return out;
}

std::string parse_mode(const std::string& text, ModeSpec* out) {
  out->name = text;
  const auto colon = text.find(':');
  const std::string name = text.substr(0, colon);
  CommitMode commit{};
  if (!parse_commit_mode(name, &commit)) {
    return fmt::format("mode '{}': expected sync, os:<interval> or async:<interval> "
                       "(e.g. os:5ms, async:1.5ms)",
                       text);
  }
  out->commit = commit;
  out->flush_interval = std::chrono::microseconds(0);
  if (commit == CommitMode::kSync) {
    // Sync flushes before every acknowledgement: an interval would mean nothing.
    if (colon != std::string::npos) return fmt::format("mode '{}': sync takes no interval", text);
    return {};
  }
  // The interval is the mode's loss bound (2 x interval), so it is never implied.
  if (colon == std::string::npos) {
    return fmt::format("mode '{}': {} needs its flush interval, e.g. {}:5ms", text, name, name);
  }
  const auto interval = tool::parse_duration(std::string_view(text).substr(colon + 1));
  if (!interval) {
    return fmt::format("mode '{}': the interval must be a duration such as 500us, 1.5ms or 1s "
                       "(at least 1us)",
                       text);
  }
  out->flush_interval = *interval;
  return {};
}

namespace {

// The CPUs this process may run on (taskset, cpusets), not all the machine has.
int cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// One line: CLI11's messages are single sentences, but a stray newline would break the
// "error: " prefix that scripts and people look for.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::optional<Config> parse_args(int argc, char** argv, bool allow_bugs, int* exit_code) {
  Config c;
  // The ladder, one rung each at the engine's default interval (docs/crash.md).
  std::string modes = "sync,os:5ms,async:5ms";
  std::string crash = "both";
  std::optional<std::uint64_t> seed;
  std::optional<int> trial;

  CLI::App app{
      "walkv-crash: crashes walkv at random moments and measures what each commit mode "
      "loses against what it costs in commit latency."};
  app.set_version_flag("--version", "walkv-crash " + build_version() + " (commit " +
                                         build_commit() + ")");
  app.add_option("--modes", modes,
                 "Commit modes, comma-separated: sync, os:<interval>, async:<interval> "
                 "(interval: 500us, 1.5ms, 1s)")
      ->capture_default_str();
  app.add_option("--crash", crash,
                 "Crash kind: kill (SIGKILL), power (also drop unsynced data), rot (SIGKILL, "
                 "recover, then flip bits in the files at rest: must recover in full or refuse "
                 "with Corruption naming a damaged file), double (SIGKILL, a recovery that "
                 "only opens, SIGKILL again, then a power cut: every LSN that recovery "
                 "reported durable must survive), both (kill,power) or all "
                 "(kill,power,rot,double)")
      ->check(CLI::IsMember({"kill", "power", "rot", "double", "both", "all"}))
      ->capture_default_str();
  app.add_option("--trials", c.trials, "Trials per mode and crash kind")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--writers", c.writers, "Writer threads in the crashed process")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--seed", seed, "Seed of every random choice (default: random, printed)");
  app.add_option("--trial", trial, "Replay only trial N (as printed with a failure)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--json", c.json_path,
                 "Write the results as JSON: {\"meta\": {...}, \"results\": [rows]}");
  app.add_option("--csv", c.csv_path, "Write the rows as CSV (metadata as leading # lines)");
  app.add_option("--trials-csv", c.trials_csv_path, "Write one CSV line per trial");
  app.add_option("--plot", c.plot_path,
                 "Write an SVG chart: latency, loss window and the latency/loss ladder");
  app.add_option("--out", c.out_dir,
                 "Write results.json, results.csv, trials.csv, plot.svg and table.txt into "
                 "this directory");
  app.add_option("--work-dir", c.work_dir,
                 "Where trial databases are made (default: $TMPDIR or /var/tmp)");
  app.add_flag("--keep", c.keep, "Keep every trial directory (failing ones are always kept)");
  app.add_option("--min-crash-ms", c.min_crash_ms, "Earliest crash, after the writers start")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_option("--max-crash-ms", c.max_crash_ms, "Latest crash, after the writers start")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_option("--backend", c.backend, "Async flusher backend: auto, uring or posix")
      ->check(CLI::IsMember({"auto", "uring", "posix"}))
      ->capture_default_str();
  app.add_option("--keys", c.keys_per_writer, "Keys per writer (overwrites and deletes reuse them)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  // Sizes as people type them (2M, 512KiB, 4096): parsed below with the tools' shared
  // parser, so that a bad one gets our one-line message rather than CLI11's.
  std::string segment_bytes = "2MiB", log_buffer_bytes = "1MiB", checkpoint_bytes = "2MiB";
  app.add_option("--segment-bytes", segment_bytes,
                 "Options::segment_bytes of the crashed DB (4096, 64K, 2M, 1G)")
      ->capture_default_str();
  app.add_option("--log-buffer-bytes", log_buffer_bytes,
                 "Options::log_buffer_bytes (flush_bytes is half of it)")
      ->capture_default_str();
  app.add_option("--checkpoint-bytes", checkpoint_bytes,
                 "Options::checkpoint_wal_bytes (0: no automatic checkpoints)")
      ->capture_default_str();
  app.add_option("--ledger-mb", c.ledger_mb,
                 "Size of the shared-memory I/O ledger (power and double)")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--window-margin-ms", c.window_margin_ms,
                 "Loss-bound check (async; os power cuts): the lost writes' acknowledgements "
                 "span < 2 x flush interval + this margin")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--rot-bits", c.rot_bits, "Rot: bits flipped per trial, in walkv's files "
                                          "(segments, snapshots, CONTROL)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_flag("--quiet", c.quiet, "No progress lines");
  app.add_option("--jobs", c.jobs,
                 "Trials run at once (0: one per CPU). Same trials and checks, but latency "
                 "and throughput are then measured under contention: use them for the "
                 "correctness campaign, not to compare latency")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  if (allow_bugs) {
    app.add_option("--inject-bug", c.inject_bug,
                   "Switch on a deliberately broken engine behaviour (checker self-test)")
        ->check(CLI::IsMember({"ack-before-sync", "skip-bad-record"}));
  }

  auto usage = [&](const std::string& msg) {
    fmt::print(stderr, "error: {}\n", one_line(msg));
    *exit_code = kUsageExit;
    return std::nullopt;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive as "errors" with exit code 0: CLI11 prints them.
    if (e.get_exit_code() == 0) {
      *exit_code = app.exit(e);
      return std::nullopt;
    }
    return usage(std::string(e.what()) + " (see --help)");
  }
  struct SizeOption {
    const char* flag;
    const std::string& text;
    std::uint64_t* out;
    bool zero_ok;
  };
  for (const SizeOption& o : {SizeOption{"--segment-bytes", segment_bytes, &c.segment_bytes, false},
                              SizeOption{"--log-buffer-bytes", log_buffer_bytes,
                                         &c.log_buffer_bytes, false},
                              SizeOption{"--checkpoint-bytes", checkpoint_bytes,
                                         &c.checkpoint_bytes, true}}) {
    // parse_byte_size refuses 0; --checkpoint-bytes 0 means "never".
    if (o.zero_ok && o.text == "0") {
      *o.out = 0;
      continue;
    }
    const auto v = tool::parse_byte_size(o.text);
    if (!v) {
      return usage(fmt::format("{} '{}': expected a size such as 4096, 64K, 2M or 1GiB", o.flag,
                               o.text));
    }
    *o.out = *v;
  }

  std::stringstream ss(modes);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    ModeSpec m;
    if (auto err = parse_mode(item, &m); !err.empty()) return usage(err);
    c.modes.push_back(m);
  }
  if (c.modes.empty()) return usage("--modes names no mode");
  const bool pair = crash == "both" || crash == "all";
  if (crash == "kill" || pair) c.crashes.push_back(CrashKind::kKill);
  if (crash == "power" || pair) c.crashes.push_back(CrashKind::kPower);
  if (crash == "rot" || crash == "all") c.crashes.push_back(CrashKind::kRot);
  if (crash == "double" || crash == "all") c.crashes.push_back(CrashKind::kDouble);
  if (c.min_crash_ms > c.max_crash_ms) return usage("--min-crash-ms exceeds --max-crash-ms");
  if (seed) {
    c.seed = *seed;
  } else {
    std::random_device rd;
    c.seed = (std::uint64_t{rd()} << 32 | rd()) % 1000000000ULL;
  }
  c.trial = trial;  // a trial's choices depend on (seed, mode, crash kind, N) only
  if (c.jobs == 0) c.jobs = cpu_count();
  if (c.work_dir.empty()) {
    // /var/tmp rather than /tmp: /tmp is often a tmpfs, where fdatasync costs nothing.
    const char* tmp = std::getenv("TMPDIR");
    c.work_dir = tmp && *tmp ? tmp : "/var/tmp";
  }
  return c;
}

}  // namespace walkv::crash
