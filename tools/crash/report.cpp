#include "report.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "guarantee.h"

namespace walkv::crash {

Row aggregate(const ModeSpec& mode, CrashKind crash, const std::vector<TrialOutcome>& trials,
              double margin_ms) {
  Row r;
  r.mode = mode.name;
  r.commit_mode = to_string(mode.commit);
  r.flush_interval_us = mode.flush_interval.count();
  r.crash = crash_name(crash);
  r.loss_promise = promise_name(loss_promise(mode, crash));
  r.loss_bound_ms = loss_bound_ms(mode, crash, margin_ms);
  r.trials = static_cast<int>(trials.size());
  LatencyHistogram lat;
  double acked = 0, seconds = 0;
  std::vector<double> lost, windows, recovery;
  for (const auto& t : trials) {
    lat.merge(t.latency);
    acked += static_cast<double>(t.acked);
    seconds += t.write_seconds;
    lost.push_back(static_cast<double>(t.check.lost_acked));
    r.lost_total += t.check.lost_acked;
    r.lost_max = std::max(r.lost_max, t.check.lost_acked);
    if (t.check.lost_acked > 0) windows.push_back(t.check.loss_window_ms);
    if (t.check.prefix_violation) ++r.prefix_violations;
    if (t.check.recovery_failure) ++r.recovery_failures;
    else recovery.push_back(t.recovery_ms);
    if (t.broken()) ++r.broken_trials;
    if (t.rot.classified && t.rot.kind == RotClass::kFull) ++r.rot_full;
    if (t.rot.classified && t.rot.kind == RotClass::kRefused) ++r.rot_refused;
    r.flush_round_max_ms = std::max(r.flush_round_max_ms, t.syncs.slowest_round_ms);
    if (r.io_backend.empty()) r.io_backend = t.io_backend;
    TrialPoint p;
    p.index = t.index;
    p.seed = t.seed;
    p.crash_ms = t.crash_delay_ms;
    p.acked = t.acked;
    p.lost = t.check.lost_acked;
    p.loss_window_ms = t.check.loss_window_ms;
    p.loss_span_ms = t.check.loss_span_ms;
    p.p50_us = t.latency.quantile_ns(0.50) / 1000.0;
    p.p99_us = t.latency.quantile_ns(0.99) / 1000.0;
    p.p999_us = t.latency.quantile_ns(0.999) / 1000.0;
    p.commits_per_sec = t.write_seconds > 0 ? static_cast<double>(t.acked) / t.write_seconds : 0;
    p.recovery_ms = t.recovery_ms;
    p.flush_round_max_ms = t.syncs.slowest_round_ms;
    p.prefix_violation = t.check.prefix_violation;
    p.recovery_failure = t.check.recovery_failure;
    p.lost_promised = t.check.lost_promised;
    p.bound_exceeded = t.window_exceeded;
    p.broken = t.broken();
    if (t.rot.classified) p.rot_class = rot_class_name(t.rot.kind);
    r.points.push_back(std::move(p));
  }
  r.commits_per_sec = seconds > 0 ? acked / seconds : 0;
  r.latency_p50_us = lat.quantile_ns(0.50) / 1000.0;
  r.latency_p99_us = lat.quantile_ns(0.99) / 1000.0;
  r.latency_p999_us = lat.quantile_ns(0.999) / 1000.0;
  r.lost_mean = mean(lost);
  r.window_max_ms = max_of(windows);
  r.window_mean_ms = mean(windows);
  r.recovery_p50_ms = quantile(recovery, 0.5);
  r.recovery_max_ms = max_of(recovery);
  return r;
}

namespace {

std::string human_rate(double v) {
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string us(double v) {
  if (v >= 10000) return fmt::format("{:.1f}ms", v / 1000);
  if (v >= 100) return fmt::format("{:.0f}", v);
  return fmt::format("{:.1f}", v);
}

}  // namespace

std::string format_table(const std::vector<Row>& rows) {
  std::string out;
  static constexpr std::string_view kHeader =
      "{:<12} {:<6} {:>6} {:>9} {:>8} {:>8} {:>8} {:>17} {:>17} {:>6} {:>6} {:>15} {:>9}\n";
  out += fmt::format(kHeader, "mode", "crash", "trials", "commits/s", "p50 us", "p99 us",
                     "p99.9 us", "lost acked/crash", "loss window ms", "prefix", "recov",
                     "recovery ms", "flush ms");
  out += fmt::format(kHeader, "", "", "", "", "", "", "", "mean / max", "mean / max", "viol.",
                     "fail", "p50 / max", "max");
  for (const auto& r : rows) {
    out += fmt::format(
        "{:<12} {:<6} {:>6} {:>9} {:>8} {:>8} {:>8} {:>17} {:>17} {:>6} {:>6} {:>15} {:>9.1f}\n",
        r.mode,
        r.crash, r.trials, human_rate(r.commits_per_sec), us(r.latency_p50_us),
        us(r.latency_p99_us), us(r.latency_p999_us),
        fmt::format("{:.1f} / {}", r.lost_mean, r.lost_max),
        fmt::format("{:.2f} / {:.2f}", r.window_mean_ms, r.window_max_ms), r.prefix_violations,
        r.recovery_failures, fmt::format("{:.1f} / {:.1f}", r.recovery_p50_ms, r.recovery_max_ms),
        r.flush_round_max_ms);
    if (r.crash == crash_name(CrashKind::kRot)) {
      out.pop_back();  // the note goes on the row's line
      out += fmt::format("  rot: {} full / {} refused / {} broken\n", r.rot_full, r.rot_refused,
                         r.broken_trials);
    }
  }
  return out;
}

nlohmann::ordered_json to_json(const std::vector<Row>& rows) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    arr.push_back({
        {"mode", r.mode},
        {"flush_interval_us", r.flush_interval_us},
        {"crash", r.crash},
        {"trials", r.trials},
        {"commits_per_sec", r.commits_per_sec},
        {"latency_us", {{"p50", r.latency_p50_us}, {"p99", r.latency_p99_us},
                        {"p999", r.latency_p999_us}}},
        {"lost_acked", {{"total", r.lost_total}, {"max", r.lost_max}, {"mean", r.lost_mean}}},
        {"loss_window_ms", {{"max", r.window_max_ms}, {"mean", r.window_mean_ms}}},
        {"prefix_violations", r.prefix_violations},
        {"recovery_failures", r.recovery_failures},
        {"recovery_ms", {{"p50", r.recovery_p50_ms}, {"max", r.recovery_max_ms}}},
        {"rot_full", r.rot_full},
        {"rot_refused", r.rot_refused},
        {"commit_mode", r.commit_mode},
        {"loss_promise", r.loss_promise},
        {"loss_bound_ms", r.loss_bound_ms},
        {"broken_trials", r.broken_trials},
        {"flush_round_max_ms", r.flush_round_max_ms},
        {"io_backend", r.io_backend},
    });
  }
  return arr;
}

nlohmann::ordered_json results_document(const RunMeta& meta, const std::vector<Row>& rows) {
  return {{"meta", meta_json(meta)}, {"results", to_json(rows)}};
}

std::string to_csv(const std::vector<Row>& rows, const RunMeta& meta) {
  std::string out = meta_csv_comments(meta);
  out +=
      "mode,flush_interval_us,crash,trials,commits_per_sec,latency_us_p50,latency_us_p99,"
      "latency_us_p999,lost_acked_total,lost_acked_max,lost_acked_mean,loss_window_ms_max,"
      "loss_window_ms_mean,prefix_violations,recovery_failures,recovery_ms_p50,recovery_ms_max,"
      "broken_trials,flush_round_max_ms,io_backend,rot_full,rot_refused,commit_mode,loss_promise,"
      "loss_bound_ms\n";
  for (const auto& r : rows) {
    out += fmt::format("{},{},{},{},{:.1f},{:.2f},{:.2f},{:.2f},{},{},{:.3f},{:.3f},{:.3f},{},{},"
                       "{:.3f},{:.3f},{},{:.3f},{},{},{},{},{},{:.3f}\n",
                       r.mode, r.flush_interval_us, r.crash, r.trials, r.commits_per_sec,
                       r.latency_p50_us, r.latency_p99_us, r.latency_p999_us, r.lost_total,
                       r.lost_max, r.lost_mean, r.window_max_ms, r.window_mean_ms,
                       r.prefix_violations, r.recovery_failures, r.recovery_p50_ms,
                       r.recovery_max_ms, r.broken_trials, r.flush_round_max_ms, r.io_backend,
                       r.rot_full, r.rot_refused, r.commit_mode, r.loss_promise,
                       r.loss_bound_ms);
  }
  return out;
}

std::string trials_csv(const std::vector<Row>& rows, const RunMeta& meta) {
  std::string out = meta_csv_comments(meta);
  out +=
      "mode,commit_mode,flush_interval_us,crash,trial,trial_seed,crash_ms,acked,lost_acked,"
      "loss_window_ms,loss_span_ms,loss_promise,loss_bound_ms,latency_us_p50,latency_us_p99,"
      "latency_us_p999,commits_per_sec,recovery_ms,flush_round_max_ms,prefix_violation,"
      "recovery_failure,lost_promised,bound_exceeded,rot_class,verdict\n";
  for (const auto& r : rows) {
    for (const auto& p : r.points) {
      out += fmt::format("{},{},{},{},{},{},{},{},{},{:.3f},{:.3f},{},{:.3f},{:.2f},{:.2f},{:.2f},"
                         "{:.1f},{:.3f},{:.3f},{:d},{:d},{:d},{:d},{},{}\n",
                         r.mode, r.commit_mode, r.flush_interval_us, r.crash, p.index, p.seed,
                         p.crash_ms, p.acked, p.lost, p.loss_window_ms, p.loss_span_ms,
                         r.loss_promise, r.loss_bound_ms, p.p50_us, p.p99_us, p.p999_us,
                         p.commits_per_sec, p.recovery_ms, p.flush_round_max_ms,
                         static_cast<int>(p.prefix_violation), static_cast<int>(p.recovery_failure),
                         static_cast<int>(p.lost_promised), static_cast<int>(p.bound_exceeded),
                         p.rot_class, p.broken ? "broken" : "ok");
    }
  }
  return out;
}

}  // namespace walkv::crash
