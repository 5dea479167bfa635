#include "simulation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <linux/magic.h>
#include <mutex>
#include <optional>
#include <sys/vfs.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "process.h"
#include "progress.h"
#include "report.h"
#include "run_meta.h"
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
  if (spec.crash == CrashKind::kRot && c.rot_bits != d.rot_bits) {
    cmd += fmt::format(" --rot-bits {}", c.rot_bits);
  }
  return cmd;
}

std::string tool_error_report(const Config& c, const TrialSpec& spec, const TrialOutcome& t) {
  return fmt::format("error: {} {} trial {} could not be judged: {}\n  kept: {}\n  replay: {}\n",
                     spec.mode.name, crash_name(spec.crash), spec.index, t.tool_error, t.dir,
                     replay_command(c, spec));
}

std::string failure_report(const Config& c, const TrialSpec& spec, const TrialOutcome& t) {
  std::string r = fmt::format("FAIL {} {} trial {} (seed {}): {} acked, {} lost, recovered "
                              "after a crash {} ms in\n",
                              spec.mode.name, crash_name(spec.crash), spec.index, c.seed,
                              t.check.acked, t.check.lost_acked, t.crash_delay_ms);
  if (!t.engine_error.empty()) r += fmt::format("  {}\n", t.engine_error);
  for (const auto& p : t.check.problems) r += fmt::format("  {}\n", p);
  r += fmt::format("  ledger: {} fdatasyncs, slowest {:.2f} ms, slowest write+fsync round "
                   "{:.2f} ms, widest gap between two {:.2f} ms, last one done {:.2f} ms before "
                   "the crash\n",
                   t.syncs.syncs, t.syncs.slowest_ms, t.syncs.slowest_round_ms,
                   t.syncs.widest_gap_ms, t.syncs.last_done_before_crash_ms);
  if (spec.crash == CrashKind::kDouble) {
    if (t.dbl.reported) {
      r += fmt::format("  double: the recovery before the second crash opened in {:.1f} ms, "
                       "recovered through LSN {}, reported durable LSN {}, and was SIGKILLed "
                       "{} ms later\n",
                       t.dbl.open_ms, t.dbl.last_lsn, t.dbl.durable_lsn, t.dbl.kill_delay_ms);
    } else {
      r += fmt::format("  double: the recovery before the second crash did not report: {}\n",
                       t.dbl.error);
    }
  }
  if (spec.crash == CrashKind::kPower || spec.crash == CrashKind::kDouble) {
    r += fmt::format("  power cut: {} unsynced writes, sectors kept {} reverted {} torn {}, "
                     "directory ops undone {}/{}, in-flight fdatasyncs proven by a linked "
                     "write {}\n",
                     t.power.unsynced_writes, t.power.sectors_kept, t.power.sectors_reverted,
                     t.power.sectors_torn, t.power.dir_ops_undone, t.power.dir_ops_unsynced,
                     t.power.linked_syncs_proven);
    for (std::size_t i = 0; i < t.power.notes.size() && i < 6; ++i) {
      r += fmt::format("    {}\n", t.power.notes[i]);
    }
  }
  if (spec.crash == CrashKind::kRot) {
    if (t.rot.flips.empty()) {
      r += "  rot: nothing damaged (the trial failed before the damage)\n";
    } else {
      const std::size_t n = t.rot.flips.size();
      r += fmt::format("  rot: {} bit{} flipped in the directory at rest ({} keys through LSN "
                       "{}); flipping them back restores it:\n",
                       n, n == 1 ? "" : "s", t.rot.rest_keys, t.rot.rest_last_lsn);
      for (const auto& f : t.rot.flips) r += fmt::format("    {}\n", describe_flip(f));
    }
  }
  r += fmt::format("  kept: {} (print its I/O ledger: walkv-crash __ledger {}/ledger.bin)\n"
                   "  replay: {}\n",
                   t.dir, t.dir, replay_command(c, spec));
  return r;
}

// One (mode, crash kind): its trials' outcomes (by index) until the last is in.
struct Combo {
  ModeSpec mode;
  CrashKind crash;
  std::vector<std::optional<TrialOutcome>> outcomes;
  int done = 0;
};

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

// Set by SIGINT: no new trial starts, the trials in flight are dropped (the signal may have
// reached their children too, from the terminal), and the results of the trials done are
// written as usual.
std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

// Installs on_sigint for the run's duration. SA_RESETHAND: a second Ctrl-C kills at once.
class SigintGuard {
 public:
  SigintGuard() {
    g_interrupted = false;
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    ::sigaction(SIGINT, &sa, &old_);
  }
  ~SigintGuard() { ::sigaction(SIGINT, &old_, nullptr); }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  struct sigaction old_ {};
};

}  // namespace

int run_simulation(const Config& c) {
  const std::string exe = self_exe();
  if (exe.empty()) {
    fmt::print(stderr, "error: cannot find the running executable (/proc/self/exe)\n");
    return 3;
  }
  SigintGuard sigint;
  const auto t_start = std::chrono::steady_clock::now();
  RunMeta meta = make_meta(
      c, std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count());
  const bool tty = ::isatty(2) && !c.quiet;
  // Trials in (mode, crash kind, index) order, claimed in that order by `jobs` threads.
  // Each combination's row is built from its outcomes in index order once its last trial
  // is in, then the outcomes are freed: memory stays about one combination's worth.
  std::vector<Combo> combos;
  for (const auto& mode : c.modes) {
    for (const auto crash : c.crashes) combos.push_back(Combo{mode, crash, {}, 0});
  }
  const int per_combo = c.trial ? 1 : c.trials;
  const int total = per_combo * static_cast<int>(combos.size());
  const int jobs = std::clamp(c.jobs, 1, total);
  meta.trials_planned = total;

  std::string mode_list;
  for (const auto& m : c.modes) mode_list += (mode_list.empty() ? "" : ",") + m.name;
  std::string header = fmt::format(
      "walkv-crash: seed {}, modes {}, crash {}, {} trial{} each, {} writers, crash {}-{} ms "
      "after start",
      c.seed, mode_list, crash_list_name(c.crashes),
      per_combo, per_combo == 1 ? "" : "s", c.writers, c.min_crash_ms, c.max_crash_ms);
  if (std::find(c.crashes.begin(), c.crashes.end(), CrashKind::kRot) != c.crashes.end()) {
    header += fmt::format(", rot {} bit{} per trial", c.rot_bits, c.rot_bits == 1 ? "" : "s");
  }
  if (jobs > 1) {
    header += fmt::format(", {} trials at a time (latency and throughput measured under that "
                          "parallel load)",
                          jobs);
  }
  fmt::print(stderr, "{}\n", header);
  struct statfs sfs {};
  if (::statfs(c.work_dir.c_str(), &sfs) == 0 && sfs.f_type == TMPFS_MAGIC) {
    fmt::print(stderr, "walkv-crash: warning: {} is a tmpfs: fdatasync costs nothing there, so "
                       "the latency and loss figures say nothing about a disk (use --work-dir)\n",
               c.work_dir);
  }
  if (!c.inject_bug.empty()) fmt::print(stderr, "walkv-crash: injected engine bug: {}\n", c.inject_bug);

  const std::string run_dir = fmt::format("{}/walkv-crash-{}", c.work_dir, c.seed);
  {
    // Made once here, so trials running at once only ever create their own directories
    // below it, never race to create this shared one (errors show in the trials).
    std::error_code ec;
    fs::create_directories(run_dir, ec);
  }
  std::vector<std::optional<Row>> combo_rows(combos.size());
  std::vector<std::string> combo_backends(combos.size());

  std::mutex mu;  // the counters and combos below, and every line written to stderr
  int next = 0, done = 0, running = 0, broken = 0, tool_errors = 0, dropped = 0;
  std::string latest;  // the trial started last, for the progress line
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  };
  auto redraw = [&] {  // REQUIRES: mu held
    if (!tty) return;
    fmt::print(stderr, "\r\033[K{} {}", progress_text(done, total, running, elapsed()), latest);
    std::fflush(stderr);
  };
  // A terminal's line is redrawn every second (the clock moves even while one long trial
  // runs); a log gets a line every few seconds, enough to plan by without flooding it.
  std::optional<Ticker> ticker;
  if (!c.quiet) {
    ticker.emplace(tty ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(5000), [&] {
      std::lock_guard lock(mu);
      if (tty) redraw();
      else fmt::print(stderr, "walkv-crash: {}\n", progress_text(done, total, running, elapsed()));
    });
  }

  auto worker = [&] {
    for (;;) {
      TrialSpec spec;
      std::size_t ci = 0;
      int k = 0;
      {
        std::lock_guard lock(mu);
        if (next == total || g_interrupted) return;
        ci = static_cast<std::size_t>(next / per_combo);
        k = next % per_combo;
        ++next;
        ++running;
        Combo& combo = combos[ci];
        if (combo.outcomes.empty()) combo.outcomes.resize(static_cast<std::size_t>(per_combo));
        spec.mode = combo.mode;
        spec.crash = combo.crash;
        spec.index = c.trial ? *c.trial : k;
        spec.seed = trial_seed(c.seed, spec.mode, spec.crash, spec.index);
        latest = fmt::format("{} {} trial {}", spec.mode.name, crash_name(spec.crash), spec.index);
        redraw();
      }
      TrialOutcome t = run_trial(c, spec, exe);
      if (g_interrupted) {
        // Ended after Ctrl-C: its children may have had the signal too, so its verdict
        // means nothing. Not counted, not kept.
        std::error_code ec;
        fs::remove_all(t.dir, ec);
        std::lock_guard lock(mu);
        --running;
        ++dropped;
        continue;
      }
      // Composed before taking the lock, printed whole under it.
      std::string report;
      if (!t.tool_error.empty()) {
        report = tool_error_report(c, spec, t);
      } else if (t.broken()) {
        report = failure_report(c, spec, t);
      } else if (!c.keep) {
        std::error_code ec;
        fs::remove_all(t.dir, ec);
      }
      bool combo_done = false;
      {
        std::lock_guard lock(mu);
        --running;
        ++done;
        if (!t.tool_error.empty()) ++tool_errors;
        else if (t.broken()) ++broken;
        if (!report.empty()) {
          if (tty) fmt::print(stderr, "\r\033[K");
          fmt::print(stderr, "{}", report);
        }
        Combo& combo = combos[ci];
        combo.outcomes[static_cast<std::size_t>(k)] = std::move(t);
        combo_done = ++combo.done == per_combo;
        redraw();
      }
      if (!combo_done) continue;
      // The last trial of its combination: no other thread touches these outcomes now.
      Combo& combo = combos[ci];
      std::vector<TrialOutcome> judged;
      for (auto& o : combo.outcomes) {
        if (!o->io_backend.empty()) combo_backends[ci] = o->io_backend;
        if (o->tool_error.empty()) judged.push_back(std::move(*o));
      }
      combo.outcomes = {};
      if (!judged.empty()) {
        combo_rows[ci] = aggregate(combo.mode, combo.crash, judged, c.window_margin_ms);
      }
      if (!tty && !c.quiet) {
        std::lock_guard lock(mu);
        fmt::print(stderr, "walkv-crash: {} {}: {} trials done\n", combo.mode.name,
                   crash_name(combo.crash), judged.size());
      }
    }
  };
  if (jobs == 1) {
    worker();
  } else {
    std::vector<std::jthread> threads;
    for (int i = 0; i < jobs; ++i) threads.emplace_back(worker);
  }
  ticker.reset();
  const bool interrupted = g_interrupted;
  if (interrupted) {
    // The combinations cut short get a row of the trials they finished.
    for (std::size_t i = 0; i < combos.size(); ++i) {
      if (combo_rows[i] || combos[i].done == 0) continue;
      std::vector<TrialOutcome> judged;
      for (auto& o : combos[i].outcomes) {
        if (!o) continue;
        if (!o->io_backend.empty()) combo_backends[i] = o->io_backend;
        if (o->tool_error.empty()) judged.push_back(std::move(*o));
      }
      if (!judged.empty()) {
        combo_rows[i] = aggregate(combos[i].mode, combos[i].crash, judged, c.window_margin_ms);
      }
    }
  }

  std::vector<Row> rows;
  std::string backend;
  for (std::size_t i = 0; i < combos.size(); ++i) {
    if (combo_rows[i]) rows.push_back(std::move(*combo_rows[i]));
    if (!combo_backends[i].empty()) backend = combo_backends[i];
  }
  if (tty) fmt::print(stderr, "\r\033[K");
  {
    std::error_code ec;
    fs::remove(run_dir, ec);  // only if empty: failing trials' directories stay
  }
  meta.backend = backend.empty() ? "unknown" : backend;
  meta.trials_done = done;
  meta.interrupted = interrupted;

  const std::string table = format_table(rows);
  std::string summary = fmt::format(
      "{} trials: {} broke a guarantee, {} could not be judged. Async flusher backend: {}. "
      "Elapsed {}.\n",
      done, broken, tool_errors, meta.backend, format_clock(elapsed()));
  if (interrupted) {
    summary += fmt::format("Interrupted: {} of {} trials done ({} in flight dropped); the rows "
                           "above cover those done.\n",
                           done, total, dropped);
  }
  fmt::print("{}\n{}", table, summary);

  const std::string subtitle = fmt::format(
      "walkv {} ({}), {} trial{} per row{}, {} writers, seed {}, {} on {}", meta.version,
      meta.commit, per_combo, per_combo == 1 ? "" : "s", interrupted ? " (interrupted)" : "",
      c.writers, c.seed, meta.backend, meta.file_system);
  const std::string json = results_document(meta, rows).dump(2) + "\n";
  bool files_ok = true;
  if (!c.json_path.empty()) files_ok &= write_file(c.json_path, json);
  if (!c.csv_path.empty()) files_ok &= write_file(c.csv_path, to_csv(rows, meta));
  if (!c.trials_csv_path.empty()) files_ok &= write_file(c.trials_csv_path, trials_csv(rows, meta));
  if (!c.plot_path.empty()) files_ok &= write_file(c.plot_path, render_svg(rows, subtitle));
  if (!c.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(c.out_dir, ec);
    files_ok &= write_file(c.out_dir + "/results.json", json);
    files_ok &= write_file(c.out_dir + "/results.csv", to_csv(rows, meta));
    files_ok &= write_file(c.out_dir + "/trials.csv", trials_csv(rows, meta));
    files_ok &= write_file(c.out_dir + "/plot.svg", render_svg(rows, subtitle));
    files_ok &= write_file(c.out_dir + "/table.txt", header + "\n\n" + table + "\n" + summary);
    if (files_ok) fmt::print(stderr, "walkv-crash: results written to {}/\n", c.out_dir);
  }
  if (broken > 0) {
    fmt::print(stderr, "walkv-crash: {} trial{} broke a guarantee of {} mode (see FAIL above)\n",
               broken, broken == 1 ? "" : "s", broken == 1 ? "its" : "their");
  }
  if (interrupted) return kInterruptedExit;
  if (broken > 0) return 1;
  if (tool_errors > 0 || !files_ok) return 3;
  return 0;
}

}  // namespace walkv::crash
