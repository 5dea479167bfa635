#include "svg_plot.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

namespace walkv::crash {

namespace {

constexpr double kWidth = 1000;
// Okabe-Ito: told apart by the common colour-vision deficiencies, and in greyscale.
constexpr const char* kSyncColor = "#0072B2";   // blue
constexpr const char* kOsColor = "#009E73";     // bluish green
constexpr const char* kAsyncColor = "#D55E00";  // vermillion
constexpr const char* kOtherColor = "#CC79A7";  // reddish purple: a rung this file predates

struct Frame {
  const char* panel;
  double x0, y0, x1, y1;
};

std::string esc(std::string_view s) {
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

std::string rung_of(const Row& r) {
  return r.commit_mode.empty() ? r.mode.substr(0, r.mode.find(':')) : r.commit_mode;
}

const char* rung_color(const std::string& rung) {
  if (rung == "sync") return kSyncColor;
  if (rung == "os") return kOsColor;
  if (rung == "async") return kAsyncColor;
  return kOtherColor;
}

const char* rung_promise(const std::string& rung) {
  if (rung == "sync") return "durable before the ack";
  if (rung == "os") return "in the kernel before the ack";
  if (rung == "async") return "in walkv's memory before the ack";
  return "";
}

std::string latency_label(double us) {
  if (us >= 1e6) return fmt::format("{:g}s", us / 1e6);
  if (us >= 1e3) return fmt::format("{:g}ms", us / 1e3);
  return fmt::format("{:g}us", us);
}

std::string count_label(double v) {
  if (v >= 1e6) return fmt::format("{:g}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:g}k", v / 1e3);
  return fmt::format("{:g}", v);
}

// Whole decades [lo, hi] (log10) covering every value, at least one decade wide.
std::pair<double, double> decades(double min_v, double max_v) {
  const double lo = std::floor(std::log10(std::max(min_v, 0.1)));
  const double hi = std::max(lo + 1, std::ceil(std::log10(std::max(max_v, 0.1))));
  return {lo, hi};
}

// A 1-2-5 step giving at most 6 ticks from 0 to at least max_v.
double nice_step(double max_v) {
  const double raw = std::max(max_v, 1e-9) / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

void frame(std::string& s, const Frame& f) {
  s += fmt::format("<rect class=\"frame\" data-panel=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" "
                   "width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#333\"/>\n",
                   f.panel, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
}

// A tick: its grid line across the frame, and its label outside it.
void x_tick(std::string& s, const Frame& f, double x, const std::string& label) {
  s += fmt::format("<line class=\"tick\" data-panel=\"{0}\" x1=\"{1:.1f}\" y1=\"{2:.1f}\" "
                   "x2=\"{1:.1f}\" y2=\"{3:.1f}\" stroke=\"#ddd\"/>\n",
                   f.panel, x, f.y0, f.y1);
  s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"10\">{}"
                   "</text>\n",
                   x, f.y1 + 14, esc(label));
}

void y_tick(std::string& s, const Frame& f, double y, const std::string& label) {
  s += fmt::format("<line class=\"tick\" data-panel=\"{0}\" x1=\"{1:.1f}\" y1=\"{2:.1f}\" "
                   "x2=\"{3:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>\n",
                   f.panel, f.x0, y, f.x1);
  s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"10\">{}"
                   "</text>\n",
                   f.x0 - 5, y + 3.5, esc(label));
}

// A trial's marker: a filled circle for a process kill, an open square for a power cut
// (drawn first, so that a kill on top of it still shows), a diamond otherwise.
std::string marker(const std::string& crash, double x, double y, const char* color,
                   const std::string& attrs, double r) {
  if (crash == "kill") {
    return fmt::format("<circle {} cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"{}\" "
                       "fill-opacity=\"0.75\"/>\n",
                       attrs, x, y, r, color);
  }
  if (crash == "power") {
    return fmt::format("<rect {} x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                       "fill=\"white\" fill-opacity=\"0.6\" stroke=\"{}\" stroke-width=\"1.5\"/>\n",
                       attrs, x - r, y - r, 2 * r, 2 * r, color);
  }
  return fmt::format("<path {} d=\"M{:.1f} {:.1f} l{:.1f} {:.1f} l{:.1f} {:.1f} l{:.1f} {:.1f} "
                     "z\" fill=\"{}\"/>\n",
                     attrs, x, y - r, r, r, -r, r, -r, -r, color);
}

// Spreads a row's dots over a narrow band, in trial order, so that equal values stay
// countable.
double jitter(std::size_t i, std::size_t n, double width) {
  if (n <= 1) return 0;
  return (static_cast<double>(i) / static_cast<double>(n - 1) - 0.5) * width;
}

}  // namespace

std::string render_svg(const std::vector<Row>& rows, const std::string& subtitle) {
  // The ladder plots kill and power trials; rot and double rows are summarized in the
  // legend (their first crash is a kill, which the kill dots already show).
  std::vector<const Row*> ladder_rows, rot_rows, double_rows;
  for (const auto& r : rows) {
    if (r.crash == "rot") rot_rows.push_back(&r);
    else if (r.crash == "double") double_rows.push_back(&r);
    else ladder_rows.push_back(&r);
  }
  std::vector<std::string> rungs;  // in the order of the rows: the ladder's order
  for (const auto& r : rows) {
    const std::string g = rung_of(r);
    if (std::find(rungs.begin(), rungs.end(), g) == rungs.end()) rungs.push_back(g);
  }

  std::string s;
  s += "<text x=\"20\" y=\"24\" font-size=\"16\" font-weight=\"bold\">walkv commit modes: what "
       "a commit costs, what a crash takes</text>\n";
  s += fmt::format("<text x=\"20\" y=\"44\" fill=\"#555\">{}</text>\n", esc(subtitle));

  // ---- panel 1: latency per row ------------------------------------------------------
  const double row_h = 18;
  const double top = 88;
  const double h1 = std::max(150.0, row_h * static_cast<double>(rows.size()) + 12);
  const Frame lat{"latency", 150, top, 470, top + h1};
  {
    double lo = 1e18, hi = 0;
    for (const auto& r : rows) {
      lo = std::min(lo, std::max(r.latency_p50_us, 0.1));
      hi = std::max({hi, r.latency_p99_us, r.latency_p999_us, r.latency_p50_us});
    }
    if (rows.empty()) lo = 1, hi = 10;
    const auto [d0, d1] = decades(lo, hi);
    auto X = [&](double us) {
      return lat.x0 + (std::log10(std::max(us, 0.1)) - d0) / (d1 - d0) * (lat.x1 - lat.x0);
    };
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">commit latency</text>\n",
                     lat.x0, top - 22);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#555\">dot p50, bar to "
                     "p99, stroke at p99.9 (log scale)</text>\n",
                     lat.x0, top - 8);
    for (double d = d0; d <= d1 + 1e-9; d += 1) x_tick(s, lat, X(std::pow(10, d)), latency_label(std::pow(10, d)));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      const char* color = rung_color(rung_of(r));
      const double y = top + 12 + row_h * static_cast<double>(i);
      const double x50 = X(r.latency_p50_us), x99 = X(std::max(r.latency_p99_us, r.latency_p50_us));
      const double x999 = X(std::max({r.latency_p999_us, r.latency_p99_us, r.latency_p50_us}));
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\">{} "
                       "{}</text>\n",
                       lat.x0 - 6, y + 4, esc(r.mode), esc(r.crash));
      s += fmt::format("<g class=\"latency\" data-mode=\"{}\" data-crash=\"{}\" stroke=\"{}\" "
                       "fill=\"{}\"><title>{} {}: p50 {:.1f} us, p99 {:.1f} us, p99.9 {:.1f} us"
                       "</title>\n",
                       esc(r.mode), esc(r.crash), color, color, esc(r.mode), esc(r.crash),
                       r.latency_p50_us, r.latency_p99_us, r.latency_p999_us);
      s += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
                       "stroke-width=\"5\" stroke-opacity=\"0.45\"/>\n",
                       x50, y, x99, y);
      s += fmt::format("<line class=\"p999\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" "
                       "y2=\"{2:.1f}\" stroke-width=\"2\"/>\n",
                       x999, y - 6, y + 6);
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\"/>\n</g>\n", x50, y);
    }
    frame(s, lat);
  }

  // ---- panel 2: loss window per trial, and each row's bound ----------------------------
  const Frame win{"window", 560, top, 960, top + h1};
  {
    double vmax = 0;
    for (const auto& r : rows) {
      vmax = std::max(vmax, r.loss_bound_ms);
      for (const auto& p : r.points) vmax = std::max(vmax, p.loss_window_ms);
      vmax = std::max(vmax, r.window_max_ms);
    }
    const double step = nice_step(std::max(vmax, 1.0));
    const double ytop = std::max(step, std::ceil(std::max(vmax, 1.0) / step) * step);
    auto Y = [&](double ms) { return win.y1 - std::max(ms, 0.0) / ytop * (win.y1 - win.y0); };
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">loss window per trial (ms)"
                     "</text>\n",
                     win.x0, top - 22);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#555\">crash time minus "
                     "the oldest lost ack; line: the row's bound (0: loses nothing)</text>\n",
                     win.x0, top - 8);
    for (double v = 0; v <= ytop + 1e-9; v += step) y_tick(s, win, Y(v), fmt::format("{:g}", v));
    const double col = rows.empty() ? 1 : (win.x1 - win.x0) / static_cast<double>(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      const char* color = rung_color(rung_of(r));
      const double cx = win.x0 + col * (static_cast<double>(i) + 0.5);
      const double yb = Y(r.loss_bound_ms);
      s += fmt::format("<line class=\"bound\" data-mode=\"{}\" data-crash=\"{}\" "
                       "data-bound-ms=\"{:.3f}\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                       "y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\" stroke-dasharray=\"5 3\">"
                       "<title>{} {}: {}</title></line>\n",
                       esc(r.mode), esc(r.crash), r.loss_bound_ms, cx - col * 0.42, yb,
                       cx + col * 0.42, yb, color, esc(r.mode), esc(r.crash),
                       esc(r.loss_promise == "bounded"
                               ? fmt::format("lost acks must span < {:.1f} ms", r.loss_bound_ms)
                               : std::string("must lose nothing acknowledged")));
      for (std::size_t k = 0; k < r.points.size(); ++k) {
        const auto& p = r.points[k];
        const std::string attrs = fmt::format(
            "class=\"window-dot\" data-mode=\"{}\" data-crash=\"{}\" data-trial=\"{}\"",
            esc(r.mode), esc(r.crash), p.index);
        s += marker(r.crash, cx + jitter(k, r.points.size(), col * 0.6), Y(p.loss_window_ms),
                    color, attrs, 2.5);
      }
      s += fmt::format("<text transform=\"translate({:.1f} {:.1f}) rotate(-40)\" "
                       "text-anchor=\"end\" font-size=\"10\">{} {}</text>\n",
                       cx + 3, win.y1 + 12, esc(r.mode), esc(r.crash));
    }
    frame(s, win);
  }

  // ---- panel 3: the ladder, latency against loss -------------------------------------
  const double top3 = top + h1 + 110;
  const Frame lad{"ladder", 90, top3, 640, top3 + 320};
  double legend_y = top3;
  {
    double lo = 1e18, hi = 0, lost_max = 0;
    for (const Row* r : ladder_rows) {
      for (const auto& p : r->points) {
        lo = std::min(lo, std::max(p.p50_us, 0.1));
        hi = std::max(hi, p.p50_us);
        lost_max = std::max(lost_max, static_cast<double>(p.lost));
      }
    }
    if (hi == 0) lo = 1, hi = 10;
    const auto [d0, d1] = decades(lo, hi);
    auto X = [&](double us) {
      return lad.x0 + (std::log10(std::max(us, 0.1)) - d0) / (d1 - d0) * (lad.x1 - lad.x0);
    };
    // y: log10(1 + lost), topped at a whole decade, so that 0 sits on the bottom edge and
    // the top tick on the top edge, with nothing lost as with much.
    const int top_decade = std::max(1, static_cast<int>(std::ceil(std::log10(std::max(lost_max, 1.0)))));
    const double ly1 = std::log10(1 + std::pow(10, top_decade));
    auto Y = [&](double lost) {
      return lad.y1 - std::log10(1 + std::max(lost, 0.0)) / ly1 * (lad.y1 - lad.y0);
    };
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">the ladder: latency against "
                     "loss, one dot per trial</text>\n",
                     lad.x0, top3 - 10);
    for (double d = d0; d <= d1 + 1e-9; d += 1) x_tick(s, lad, X(std::pow(10, d)), latency_label(std::pow(10, d)));
    y_tick(s, lad, Y(0), "0");
    for (int d = 0; d <= top_decade; ++d) y_tick(s, lad, Y(std::pow(10, d)), count_label(std::pow(10, d)));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">commit latency of the trial, "
                     "p50 (log scale)</text>\n",
                     (lad.x0 + lad.x1) / 2, lad.y1 + 32);
    s += fmt::format("<text transform=\"translate(30 {}) rotate(-90)\" text-anchor=\"middle\">"
                     "acknowledged writes lost in the crash</text>\n",
                     (lad.y0 + lad.y1) / 2);
    // Power first, kills on top.
    for (const bool kill_pass : {false, true}) {
      for (const Row* r : ladder_rows) {
        if ((r->crash == "kill") != kill_pass) continue;
        const char* color = rung_color(rung_of(*r));
        for (const auto& p : r->points) {
          const std::string attrs = fmt::format(
              "class=\"trial-dot\" data-mode=\"{}\" data-crash=\"{}\" data-trial=\"{}\"",
              esc(r->mode), esc(r->crash), p.index);
          s += marker(r->crash, X(p.p50_us), Y(static_cast<double>(p.lost)), color, attrs, 3.5);
        }
      }
    }
    // Direct labels: each mode beside its rightmost dot, above its highest one.
    std::vector<std::string> modes;
    for (const Row* r : ladder_rows) {
      if (std::find(modes.begin(), modes.end(), r->mode) == modes.end()) modes.push_back(r->mode);
    }
    for (const auto& m : modes) {
      double xr = 0, ylo = 1e18;
      const char* color = kOtherColor;
      for (const Row* r : ladder_rows) {
        if (r->mode != m) continue;
        color = rung_color(rung_of(*r));
        for (const auto& p : r->points) {
          xr = std::max(xr, X(p.p50_us));
          ylo = std::min(ylo, Y(static_cast<double>(p.lost)));
        }
      }
      if (xr == 0) continue;
      // Above the mode's highest dot: beside the dots that matter, never over another mode's.
      const double ym = std::clamp(ylo, lad.y0 + 18, lad.y1);
      const bool left = xr > lad.x1 - 80;  // no room on the right: label on the left
      s += fmt::format("<text class=\"mode-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" "
                       "font-weight=\"bold\" fill=\"{}\">{}</text>\n",
                       left ? xr - 9 : xr + 9, ym - 6, left ? "end" : "start", color, esc(m));
    }
    frame(s, lad);
  }

  // ---- legend, beside the ladder ----------------------------------------------------
  const double lx = 670;
  double ly = legend_y + 4;
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">rung: what an ack means</text>\n",
                   lx, ly);
  for (const auto& g : rungs) {
    ly += 18;
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{}\"/>\n", lx,
                     ly - 9, rung_color(g));
    s += fmt::format("<text class=\"legend-rung\" data-rung=\"{}\" x=\"{}\" y=\"{}\" "
                     "font-size=\"11\">{}: {}</text>\n",
                     esc(g), lx + 20, ly, esc(g), rung_promise(g));
  }
  // Only the crash kinds that have dots: a legend entry for nothing plotted misleads.
  std::vector<std::string> kinds;
  for (const char* k : {"kill", "power"}) {
    for (const Row* r : ladder_rows) {
      if (r->crash == k && std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    }
  }
  if (!kinds.empty()) {
    ly += 26;
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">crash</text>\n", lx, ly);
    for (const auto& k : kinds) {
      ly += 18;
      s += marker(k, lx + 7, ly - 4, "#333", "", 4);
      s += fmt::format("<text class=\"legend-crash\" data-crash=\"{}\" x=\"{}\" y=\"{}\" "
                       "font-size=\"11\">{}</text>\n",
                       k, lx + 20, ly,
                       k == "kill" ? "kill (process crash)" : "power (power cut)");
    }
  }
  if (!rot_rows.empty()) {
    ly += 26;
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">rot (media damage), not "
                     "plotted</text>\n",
                     lx, ly);
    for (const Row* r : rot_rows) {
      ly += 16;
      const std::string text = fmt::format("{}: {} full / {} refused / {} broken", r->mode,
                                           r->rot_full, r->rot_refused, r->broken_trials);
      s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{}\"><title>{} rot, {} "
                       "trials: after bits flipped at rest, recovery gave back the state at rest "
                       "{}, refused naming a damaged file {}, broke the guarantee {}</title>{}"
                       "</text>\n",
                       lx + 8, ly, rung_color(rung_of(*r)), esc(r->mode), r->trials, r->rot_full,
                       r->rot_refused, r->broken_trials, esc(text));
    }
  }
  if (!double_rows.empty()) {
    ly += 26;
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">double (crash after "
                     "recovery), not plotted</text>\n",
                     lx, ly);
    for (const Row* r : double_rows) {
      ly += 16;
      const std::string text =
          fmt::format("{}: {} trials / {} broken", r->mode, r->trials, r->broken_trials);
      s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{}\"><title>{} double, "
                       "{} trials: a recovery reported its durable LSN and was killed, then the "
                       "power failed; {} broke the guarantee</title>{}</text>\n",
                       lx + 8, ly, rung_color(rung_of(*r)), esc(r->mode), r->trials,
                       r->broken_trials, esc(text));
    }
  }
  ly += 26;
  for (const char* note : {"sync must sit on 0; so must os, but for a power cut",
                           "a window dot above its line: look at the FAIL report"}) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#555\">{}</text>\n", lx,
                     ly, note);
    ly += 14;
  }
  if (!rot_rows.empty() || !double_rows.empty()) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#555\">{} must have 0 "
                     "broken</text>\n",
                     lx, ly,
                     rot_rows.empty() ? "double" : double_rows.empty() ? "rot" : "rot and double");
    ly += 14;
  }
  const double height = std::max(lad.y1 + 50, ly + 20);
  const std::string head = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1:.0f}\" "
      "viewBox=\"0 0 {0} {1:.0f}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kWidth, height);
  return head + s + "</svg>\n";
}

}  // namespace walkv::crash
