#include "svg_plot.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace walkv::crash {

namespace {

constexpr double kWidth = 900, kMinHeight = 480;  // taller when the legend needs it
constexpr double kLeft = 80, kRight = 600, kTop = 64, kBottom = 400;  // plot area
constexpr const char* kColors[] = {"#1b6ca8", "#d1495b", "#edae49", "#00798c",
                                   "#6a4c93", "#3d5a40", "#8d6a9f", "#e07a5f"};

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string tick_label(double v, const char* unit) {
  if (v >= 1e6) return fmt::format("{:g}s", v / 1e6);
  if (v >= 1e3 && std::string(unit) == "us") return fmt::format("{:g}ms", v / 1e3);
  return fmt::format("{:g}{}", v, unit);
}

}  // namespace

std::string render_svg(const std::vector<Row>& all_rows, const std::string& subtitle) {
  // Rot rows are not points: their crash is a process kill (the kill rows already show
  // what that loses), and what they measure — how recovery met media damage — is a count
  // of trials, not a loss. They get their own legend section instead. So do double rows:
  // their first crash is a kill too, and what they add is whether a recovery's promise
  // survived a second crash and a power cut — a count of broken trials.
  std::vector<Row> rows, rot_rows, double_rows;
  for (const auto& r : all_rows) {
    (r.crash == "rot" ? rot_rows : r.crash == "double" ? double_rows : rows).push_back(r);
  }
  // x: log10 of latency in us, whole decades around every p50..p99.
  double xmin = 1e18, xmax = 0, ymax = 0;
  for (const auto& r : rows) {
    xmin = std::min(xmin, std::max(r.latency_p50_us, 0.1));
    xmax = std::max(xmax, std::max(r.latency_p99_us, r.latency_p50_us));
    ymax = std::max(ymax, static_cast<double>(r.lost_max));
  }
  if (rows.empty()) xmin = 1, xmax = 10;
  const double lx0 = std::floor(std::log10(xmin)), lx1 = std::max(lx0 + 1, std::ceil(std::log10(xmax)));
  auto X = [&](double us) {
    const double l = std::log10(std::max(us, 0.1));
    return kLeft + (l - lx0) / (lx1 - lx0) * (kRight - kLeft);
  };
  // y: log10(1 + lost), whole decades.
  const double ly1 = std::max(1.0, std::ceil(std::log10(1 + ymax)));
  auto Y = [&](double lost) {
    return kBottom - std::log10(1 + std::max(lost, 0.0)) / ly1 * (kBottom - kTop);
  };

  // The body first: the height depends on how long the legend grows.
  std::string s;
  s += fmt::format("<text x=\"{}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">walkv: "
                   "acknowledged writes lost per crash vs commit latency</text>\n",
                   kLeft);
  s += fmt::format("<text x=\"{}\" y=\"44\" fill=\"#555\">{}</text>\n", kLeft, esc(subtitle));

  // Grid and ticks.
  for (double d = lx0; d <= lx1 + 1e-9; d += 1) {
    const double v = std::pow(10, d), x = X(v);
    s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>\n",
                     x, kTop, kBottom);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x,
                     kBottom + 18, tick_label(v, "us"));
    for (int m = 2; m < 10 && d < lx1; ++m) {
      const double xm = X(v * m);
      s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" "
                       "stroke=\"#f2f2f2\"/>\n",
                       xm, kTop, kBottom);
    }
  }
  for (double d = -1; d <= ly1 + 1e-9; d += 1) {
    const double v = d < 0 ? 0 : std::pow(10, d);
    const double y = Y(v);
    s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n",
                     kLeft, y, kRight, y);
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6,
                     y + 4, tick_label(v, ""));
  }
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
                   "stroke=\"#333\"/>\n",
                   kLeft, kTop, kRight - kLeft, kBottom - kTop);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">commit latency "
                   "(p50 marker, bar to p99; log scale)</text>\n",
                   (kLeft + kRight) / 2, kBottom + 40);
  s += fmt::format("<text transform=\"translate(22 {}) rotate(-90)\" text-anchor=\"middle\">"
                   "acknowledged writes lost per crash (mean; whisker: max)</text>\n",
                   (kTop + kBottom) / 2);

  // Points. Colours by mode over every row, so that a mode keeps its colour in the rot
  // legend even if it has no plotted point.
  std::vector<std::string> modes;
  for (const auto& r : all_rows) {
    if (std::find(modes.begin(), modes.end(), r.mode) == modes.end()) modes.push_back(r.mode);
  }
  // Power squares first, kill circles (smaller) on top, so that both show where they meet.
  for (const bool kill_pass : {false, true}) {
    for (const auto& r : rows) {
      if ((r.crash == "kill") != kill_pass) continue;
      const auto mi = static_cast<std::size_t>(
          std::find(modes.begin(), modes.end(), r.mode) - modes.begin());
      const char* color = kColors[mi % std::size(kColors)];
      const double x = X(r.latency_p50_us);
      const double x99 = X(std::max(r.latency_p99_us, r.latency_p50_us));
      const double y = Y(r.lost_mean), ymx = Y(static_cast<double>(r.lost_max));
      s += fmt::format("<g stroke=\"{0}\" fill=\"{0}\"><title>{1} / {2}: p50 {3:.1f} us, p99 "
                       "{4:.1f} us, lost per crash mean {5:.1f} max {6}, loss window max {7:.2f} "
                       "ms</title>\n",
                       color, esc(r.mode), r.crash, r.latency_p50_us, r.latency_p99_us,
                       r.lost_mean, r.lost_max, r.window_max_ms);
      s += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
                       "stroke-width=\"2\"/>\n",
                       x, y, x99, y);
      s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
                       "stroke-width=\"2\"/>\n",
                       x99, y - 5, y + 5);
      if (ymx < y - 0.5) {
        s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
                         "stroke-dasharray=\"3 2\"/>\n",
                         x, y, ymx);
        s += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n",
                         x - 4, ymx, x + 4, ymx);
      }
      if (kill_pass) {
        s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4.5\"/>\n", x, y);
      } else {
        s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"13\" height=\"13\" "
                         "fill=\"white\" stroke-width=\"2\"/>\n",
                         x - 6.5, y - 6.5);
      }
      s += "</g>\n";
    }
  }

  // Legend.
  double ly = kTop + 10;
  const double lx = kRight + 24;
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">mode</text>\n", lx, ly);
  for (std::size_t i = 0; i < modes.size(); ++i) {
    ly += 20;
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{}\"/>\n", lx,
                     ly - 9, kColors[i % std::size(kColors)]);
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", lx + 20, ly, esc(modes[i]));
  }
  ly += 30;
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">crash</text>\n", lx, ly);
  ly += 20;
  s += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"#333\"/>\n", lx + 7, ly - 4);
  s += fmt::format("<text x=\"{}\" y=\"{}\">kill (process crash)</text>\n", lx + 20, ly);
  ly += 20;
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"11\" height=\"11\" fill=\"white\" "
                   "stroke=\"#333\" stroke-width=\"2\"/>\n",
                   lx + 1.5, ly - 9.5);
  s += fmt::format("<text x=\"{}\" y=\"{}\">power (power cut)</text>\n", lx + 20, ly);
  ly += 30;
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">lost per crash: mean, "
                   "worst window</text>\n",
                   lx, ly);
  for (const auto& r : rows) {
    ly += 18;
    const auto mi = static_cast<std::size_t>(
        std::find(modes.begin(), modes.end(), r.mode) - modes.begin());
    const char* color = kColors[mi % std::size(kColors)];
    if (r.crash == "kill") {
      s += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"{}\"/>\n", lx + 7,
                       ly - 4, color);
    } else {
      s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"white\" "
                       "stroke=\"{}\" stroke-width=\"2\"/>\n",
                       lx + 2, ly - 9, color);
    }
    const std::string text =
        r.lost_max == 0 ? fmt::format("{} {}: 0", r.mode, r.crash)
                        : fmt::format("{} {}: {:.0f}, {:.0f} ms", r.mode, r.crash, r.lost_mean,
                                      r.window_max_ms);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n", lx + 20, ly,
                     esc(text));
  }
  if (!rot_rows.empty()) {
    ly += 30;
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">rot (media damage), not "
                     "plotted</text>\n",
                     lx, ly);
    for (const auto& r : rot_rows) {
      ly += 18;
      const auto mi = static_cast<std::size_t>(
          std::find(modes.begin(), modes.end(), r.mode) - modes.begin());
      s += fmt::format("<path d=\"M{0} {1} l5 5 l-5 5 l-5 -5 z\" fill=\"white\" stroke=\"{2}\" "
                       "stroke-width=\"2\"/>\n",
                       lx + 7, ly - 9, kColors[mi % std::size(kColors)]);
      const std::string text = fmt::format("{}: {} full / {} refused / {} broken", r.mode,
                                           r.rot_full, r.rot_refused, r.broken_trials);
      // 10 px: the longest line ("async:10ms: 9999 full / 9999 refused / 0 broken") fits.
      s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\"><title>{} rot, {} trials: "
                       "after bits flipped at rest, recovery gave back the state at rest "
                       "{}, refused naming a damaged file {}, broke the guarantee {}</title>"
                       "{}</text>\n",
                       lx + 20, ly, esc(r.mode), r.trials, r.rot_full, r.rot_refused,
                       r.broken_trials, esc(text));
    }
  }
  if (!double_rows.empty()) {
    ly += 30;
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">double (crash after "
                     "recovery), not plotted</text>\n",
                     lx, ly);
    for (const auto& r : double_rows) {
      ly += 18;
      const auto mi = static_cast<std::size_t>(
          std::find(modes.begin(), modes.end(), r.mode) - modes.begin());
      s += fmt::format("<path d=\"M{0} {1} l5 5 l-5 5 l-5 -5 z\" fill=\"{2}\"/>\n", lx + 7,
                       ly - 9, kColors[mi % std::size(kColors)]);
      const std::string text =
          fmt::format("{}: {} trials / {} broken", r.mode, r.trials, r.broken_trials);
      s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\"><title>{} double, {} trials: "
                       "a recovery reported its durable LSN and was killed, then the power "
                       "failed; {} broke the guarantee</title>{}</text>\n",
                       lx + 20, ly, esc(r.mode), r.trials, r.broken_trials, esc(text));
    }
  }
  ly += 28;
  s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">bar: latency p50 to p99</text>\n", lx,
                   ly);
  s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">dashed: worst trial's loss</text>\n",
                   lx, ly + 16);
  s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">sync must sit on 0</text>\n", lx,
                   ly + 32);
  if (!rot_rows.empty() || !double_rows.empty()) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">{} must have 0 broken</text>\n",
                     lx, ly + 48,
                     rot_rows.empty() ? "double" : double_rows.empty() ? "rot" : "rot and double");
    ly += 16;
  }
  const double height = std::max(kMinHeight, ly + 32 + 24);
  const std::string head = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kWidth, height);
  return head + s + "</svg>\n";
}

}  // namespace walkv::crash
