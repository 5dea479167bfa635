#include "simulation.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include "process.h"
#include "report.h"
#include "svg_plot.h"
#include "trial.h"

namespace walkv::crash {

namespace fs = std::filesystem;

namespace {

// The command that replays one trial (only options that change what a trial does).
std::string replay_command(const Config& c, const TrialSpec& spec) {
  const Config d;
  std::string cmd = fmt::format("walkv-crash --seed {} --modes {} --crash {} --trial {}", c.seed,
                                spec.mode.name, crash_name(spec.crash), spec.index);
  if (!c.inject_bug.empty()) cmd = "walkv-crash-buggy --inject-bug " + c.inject_bug + cmd.substr(11);
  if (c.writers != d.writers) cmd += fmt::format(" --writers {}", c.writers);
  if (c.keys_per_writer != d.keys_per_writer) cmd += fmt::format(" --keys {}", c.keys_per_writer);
  if (c.min_crash_ms != d.min_crash_ms) cmd += fmt::format(" --min-crash-ms {}", c.min_crash_ms);
  if (c.max_crash_ms != d.max_crash_ms) cmd += fmt::format(" --max-crash-ms {}", c.max_crash_ms);
  if (c.backend != d.backend) cmd += fmt::format(" --backend {}", c.backend);
  if (c.segment_bytes != d.segment_bytes) cmd += fmt::format(" --segment-bytes {}", c.segment_bytes);
  if (c.log_buffer_bytes != d.log_buffer_bytes) {
    cmd += fmt::format(" --log-buffer-bytes {}", c.log_buffer_bytes);
  }
  if (c.checkpoint_bytes != d.checkpoint_bytes) {
    cmd += fmt::format(" --checkpoint-bytes {}", c.checkpoint_bytes);
  }
  if (c.window_margin_ms != d.window_margin_ms) {
    cmd += fmt::format(" --window-margin-ms {}", c.window_margin_ms);
  }
  return cmd;
}

bool write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    fmt::print(stderr, "error: cannot write {}\n", path);
    return false;
  }
  return true;
}

}  // namespace

int run_simulation(const Config& c) {
  const std::string exe = self_exe();
  if (exe.empty()) {
    fmt::print(stderr, "error: cannot find the running executable (/proc/self/exe)\n");
    return 3;
  }
  const bool tty = ::isatty(2) && !c.quiet;
  std::string mode_list;
  for (const auto& m : c.modes) mode_list += (mode_list.empty() ? "" : ",") + m.name;
  const std::string header = fmt::format(
      "walkv-crash: seed {}, modes {}, crash {}, {} trial{} each, {} writers, crash {}-{} ms "
      "after start",
      c.seed, mode_list, c.crashes.size() == 2 ? "both" : crash_name(c.crashes[0]),
      c.trial ? 1 : c.trials, (c.trial || c.trials == 1) ? "" : "s", c.writers, c.min_crash_ms,
      c.max_crash_ms);
  fmt::print(stderr, "{}\n", header);
  struct statfs sfs {};
  if (::statfs(c.work_dir.c_str(), &sfs) == 0 && sfs.f_type == TMPFS_MAGIC) {
    fmt::print(stderr, "walkv-crash: warning: {} is a tmpfs: fdatasync costs nothing there, so "
                       "the latency and loss figures say nothing about a disk (use --work-dir)\n",
               c.work_dir);
  }
  if (!c.inject_bug.empty()) fmt::print(stderr, "walkv-crash: injected engine bug: {}\n", c.inject_bug);

  const int per_combo = c.trial ? 1 : c.trials;
  const int total = per_combo * static_cast<int>(c.modes.size() * c.crashes.size());
  int done = 0, broken = 0, tool_errors = 0;
  std::vector<Row> rows;
  std::string backend;

  for (const auto& mode : c.modes) {
    for (const auto crash : c.crashes) {
      std::vector<TrialOutcome> outcomes;
      for (int k = 0; k < per_combo; ++k) {
        TrialSpec spec;
        spec.mode = mode;
        spec.crash = crash;
        spec.index = c.trial ? *c.trial : k;
        spec.seed = trial_seed(c.seed, mode, crash, spec.index);
        if (tty) {
          fmt::print(stderr, "\r\033[K[{}/{}] {} {} trial {} ...", done + 1, total, mode.name,
                     crash_name(crash), spec.index);
          std::fflush(stderr);
        }
        TrialOutcome t = run_trial(c, spec, exe);
        ++done;
        if (!t.io_backend.empty()) backend = t.io_backend;
        if (!t.tool_error.empty()) {
          ++tool_errors;
          if (tty) fmt::print(stderr, "\r\033[K");
          fmt::print(stderr, "error: {} {} trial {} could not be judged: {}\n  kept: {}\n  "
                             "replay: {}\n",
                     mode.name, crash_name(crash), spec.index, t.tool_error, t.dir,
                     replay_command(c, spec));
          continue;
        }
        if (t.broken()) {
          ++broken;
          if (tty) fmt::print(stderr, "\r\033[K");
          fmt::print(stderr, "FAIL {} {} trial {} (seed {}): {} acked, {} lost, recovered "
                             "after a crash {} ms in\n",
                     mode.name, crash_name(crash), spec.index, c.seed, t.check.acked,
                     t.check.lost_acked, t.crash_delay_ms);
          if (!t.engine_error.empty()) fmt::print(stderr, "  {}\n", t.engine_error);
          for (const auto& p : t.check.problems) fmt::print(stderr, "  {}\n", p);
          fmt::print(stderr, "  ledger: {} fdatasyncs, slowest {:.2f} ms, slowest write+fsync "
                             "round {:.2f} ms, widest gap between two {:.2f} ms, last one done "
                             "{:.2f} ms before the crash\n",
                     t.syncs.syncs, t.syncs.slowest_ms, t.syncs.slowest_round_ms,
                     t.syncs.widest_gap_ms, t.syncs.last_done_before_crash_ms);
          if (crash == CrashKind::kPower) {
            fmt::print(stderr, "  power cut: {} unsynced writes, sectors kept {} reverted {} "
                               "torn {}, directory ops undone {}/{}\n",
                       t.power.unsynced_writes, t.power.sectors_kept, t.power.sectors_reverted,
                       t.power.sectors_torn, t.power.dir_ops_undone, t.power.dir_ops_unsynced);
            for (std::size_t i = 0; i < t.power.notes.size() && i < 6; ++i) {
              fmt::print(stderr, "    {}\n", t.power.notes[i]);
            }
          }
          fmt::print(stderr, "  kept: {} (print its I/O ledger: walkv-crash __ledger {}/ledger.bin)"
                             "\n  replay: {}\n",
                     t.dir, t.dir, replay_command(c, spec));
        } else if (!c.keep) {
          std::error_code ec;
          fs::remove_all(t.dir, ec);
        }
        outcomes.push_back(std::move(t));
      }
      if (!outcomes.empty()) rows.push_back(aggregate(mode, crash, outcomes));
      if (!tty && !c.quiet) {
        fmt::print(stderr, "walkv-crash: {} {}: {} trials done\n", mode.name, crash_name(crash),
                   outcomes.size());
      }
    }
  }
  if (tty) fmt::print(stderr, "\r\033[K");
  {
    std::error_code ec;
    fs::remove(fmt::format("{}/walkv-crash-{}", c.work_dir, c.seed), ec);  // only if empty
  }

  const std::string table = format_table(rows);
  const std::string summary = fmt::format(
      "{} trials: {} broke a guarantee, {} could not be judged. Async flusher backend: {}.\n",
      done, broken, tool_errors, backend.empty() ? "unknown" : backend);
  fmt::print("{}\n{}", table, summary);

  const std::string subtitle =
      fmt::format("{} trials per point, {} writers, seed {}, flusher {}", per_combo, c.writers,
                  c.seed, backend.empty() ? "?" : backend);
  bool files_ok = true;
  if (!c.json_path.empty()) files_ok &= write_file(c.json_path, to_json(rows).dump(2) + "\n");
  if (!c.csv_path.empty()) files_ok &= write_file(c.csv_path, to_csv(rows));
  if (!c.plot_path.empty()) files_ok &= write_file(c.plot_path, render_svg(rows, subtitle));
  if (!c.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(c.out_dir, ec);
    files_ok &= write_file(c.out_dir + "/results.json", to_json(rows).dump(2) + "\n");
    files_ok &= write_file(c.out_dir + "/results.csv", to_csv(rows));
    files_ok &= write_file(c.out_dir + "/plot.svg", render_svg(rows, subtitle));
    files_ok &= write_file(c.out_dir + "/table.txt", header + "\n\n" + table + "\n" + summary);
    if (files_ok) fmt::print(stderr, "walkv-crash: results written to {}/\n", c.out_dir);
  }
  if (broken > 0) {
    fmt::print(stderr, "walkv-crash: {} trial{} broke a guarantee of {} mode (see FAIL above)\n",
               broken, broken == 1 ? "" : "s", broken == 1 ? "its" : "their");
    return 1;
  }
  if (tool_errors > 0 || !files_ok) return 3;
  return 0;
}

}  // namespace walkv::crash
