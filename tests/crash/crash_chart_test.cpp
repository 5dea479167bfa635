// The chart read back as data: an SVG that draws a tick on the subtitle or lists a crash
// kind that never ran misleads as surely as a wrong number (docs/crash.md, "How to read the
// chart"). svg_plot.h gives its elements classes and data- attributes for this.
#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "args.h"
#include "report.h"
#include "svg_plot.h"

using namespace walkv::crash;

namespace {

using Attrs = std::map<std::string, std::string>;

// Every <tag ...> whose class attribute is `cls`, with its attributes.
std::vector<Attrs> elements(const std::string& svg, const std::string& cls) {
  std::vector<Attrs> out;
  static const std::regex tag_re("<([a-z]+) ([^>]*)>");
  static const std::regex attr_re("([a-z0-9-]+)=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tag_re); it != std::sregex_iterator();
       ++it) {
    const std::string body = (*it)[2];
    Attrs a;
    a["tag"] = (*it)[1];
    for (auto at = std::sregex_iterator(body.begin(), body.end(), attr_re);
         at != std::sregex_iterator(); ++at) {
      a[(*at)[1]] = (*at)[2];
    }
    if (a.count("class") && a["class"] == cls) out.push_back(a);
  }
  return out;
}

double num(const Attrs& a, const std::string& k) { return std::stod(a.at(k)); }

// Trials with latencies and losses: `lost[i]` acknowledged writes lost by trial i.
Row row(const std::string& mode_text, CrashKind crash, const std::vector<std::uint64_t>& lost,
        std::uint64_t latency_ns) {
  ModeSpec mode;
  REQUIRE(parse_mode(mode_text, &mode).empty());
  std::vector<TrialOutcome> trials(lost.size());
  for (std::size_t i = 0; i < lost.size(); ++i) {
    auto& t = trials[i];
    t.index = static_cast<int>(i);
    for (int k = 0; k < 1000; ++k) t.latency.add(latency_ns + static_cast<std::uint64_t>(k) * (latency_ns / 100 + 1));
    t.acked = 1000;
    t.write_seconds = 0.2;
    t.check.lost_acked = lost[i];
    t.check.loss_window_ms = lost[i] > 0 ? 2.0 + static_cast<double>(i) : 0;
  }
  return aggregate(mode, crash, trials, 25);
}

// Every tick line lies inside the frame of its panel.
void check_ticks_inside(const std::string& svg) {
  std::map<std::string, Attrs> frames;
  for (const auto& f : elements(svg, "frame")) frames[f.at("data-panel")] = f;
  REQUIRE(frames.size() == 3);
  const auto ticks = elements(svg, "tick");
  REQUIRE_FALSE(ticks.empty());
  for (const auto& t : ticks) {
    const auto& f = frames.at(t.at("data-panel"));
    const double x0 = num(f, "x"), y0 = num(f, "y");
    const double x1 = x0 + num(f, "width"), y1 = y0 + num(f, "height");
    for (const char* k : {"x1", "x2"}) {
      INFO(t.at("data-panel") << " " << k << " " << t.at(k));
      CHECK(num(t, k) >= x0 - 0.5);
      CHECK(num(t, k) <= x1 + 0.5);
    }
    for (const char* k : {"y1", "y2"}) {
      INFO(t.at("data-panel") << " " << k << " " << t.at(k));
      CHECK(num(t, k) >= y0 - 0.5);
      CHECK(num(t, k) <= y1 + 0.5);
    }
  }
}

std::set<std::string> legend_crashes(const std::string& svg) {
  std::set<std::string> out;
  for (const auto& e : elements(svg, "legend-crash")) out.insert(e.at("data-crash"));
  return out;
}

}  // namespace

TEST_CASE("chart: with nothing lost every tick stays inside its frame", "[chart]") {
  // A sync-only run: the loss axis has nothing to show, yet its top tick must not leave the
  // frame (it once landed on the subtitle).
  const std::string svg = render_svg({row("sync", CrashKind::kKill, {0, 0, 0}, 200000)}, "t");
  check_ticks_inside(svg);
  // A top tick sits on the top edge of the ladder, not above it.
  std::map<std::string, Attrs> frames;
  for (const auto& f : elements(svg, "frame")) frames[f.at("data-panel")] = f;
  double top_tick = 1e9;
  for (const auto& t : elements(svg, "tick")) {
    if (t.at("data-panel") == "ladder" && t.at("y1") == t.at("y2")) top_tick = std::min(top_tick, num(t, "y1"));
  }
  CHECK(top_tick == Approx(num(frames.at("ladder"), "y")).margin(0.5));
}

TEST_CASE("chart: ticks stay inside with losses in the thousands", "[chart]") {
  check_ticks_inside(render_svg({row("sync", CrashKind::kKill, {0, 0}, 200000),
                                 row("async:5ms", CrashKind::kPower, {10, 4000}, 400)},
                                "t"));
}

TEST_CASE("chart: the legend lists exactly the crash kinds that ran", "[chart]") {
  const Row sync_kill = row("sync", CrashKind::kKill, {0, 0}, 200000);
  const Row async_kill = row("async:5ms", CrashKind::kKill, {5, 9}, 400);
  const Row async_power = row("async:5ms", CrashKind::kPower, {50, 90}, 400);
  CHECK(legend_crashes(render_svg({sync_kill, async_kill}, "t")) == std::set<std::string>{"kill"});
  CHECK(legend_crashes(render_svg({async_power}, "t")) == std::set<std::string>{"power"});
  CHECK(legend_crashes(render_svg({sync_kill, async_kill, async_power}, "t")) ==
        std::set<std::string>{"kill", "power"});
  // Rot rows have a section of their own, not a marker among the plotted kinds.
  const Row rot = row("sync", CrashKind::kRot, {0}, 200000);
  CHECK(legend_crashes(render_svg({sync_kill, rot}, "t")) == std::set<std::string>{"kill"});
}

TEST_CASE("chart: one dot per trial, in the ladder and in the loss-window panel", "[chart]") {
  const std::vector<Row> rows = {row("sync", CrashKind::kKill, {0, 0, 0}, 200000),
                                 row("os:5ms", CrashKind::kKill, {0, 0, 0, 0}, 9000),
                                 row("os:5ms", CrashKind::kPower, {3, 0, 12, 7, 1}, 9000),
                                 row("async:5ms", CrashKind::kPower, {30, 80}, 400),
                                 row("async:5ms", CrashKind::kRot, {30}, 400)};
  const std::string svg = render_svg(rows, "t");
  std::map<std::pair<std::string, std::string>, std::set<std::string>> ladder, window;
  for (const auto& d : elements(svg, "trial-dot")) {
    ladder[{d.at("data-mode"), d.at("data-crash")}].insert(d.at("data-trial"));
  }
  for (const auto& d : elements(svg, "window-dot")) {
    window[{d.at("data-mode"), d.at("data-crash")}].insert(d.at("data-trial"));
  }
  CHECK(elements(svg, "trial-dot").size() == 3 + 4 + 5 + 2);  // kill and power trials
  CHECK(elements(svg, "window-dot").size() == 3 + 4 + 5 + 2 + 1);  // every trial
  for (const auto& r : rows) {
    INFO(r.mode << " " << r.crash);
    CHECK(window[{r.mode, r.crash}].size() == static_cast<std::size_t>(r.trials));
    if (r.crash != "rot") CHECK(ladder[{r.mode, r.crash}].size() == static_cast<std::size_t>(r.trials));
  }
  CHECK(ladder.count({"async:5ms", "rot"}) == 0);
  // Each mode is labelled beside its dots, and each latency bar marks its p99.9.
  std::set<std::string> labels;
  for (const auto& e : elements(svg, "mode-label")) labels.insert(e.at("fill"));
  CHECK(labels.size() == 3);  // one colour per rung
  CHECK(svg.find(">os:5ms</text>") != std::string::npos);
  CHECK(elements(svg, "p999").size() == rows.size());
}

TEST_CASE("chart: each mode that may lose writes draws its bound", "[chart]") {
  const std::vector<Row> rows = {row("sync", CrashKind::kKill, {0}, 200000),
                                 row("sync", CrashKind::kPower, {0}, 200000),
                                 row("os:5ms", CrashKind::kKill, {0}, 9000),
                                 row("os:5ms", CrashKind::kPower, {4}, 9000),
                                 row("async:1ms", CrashKind::kKill, {9}, 400),
                                 row("async:10ms", CrashKind::kPower, {90}, 400)};
  const std::string svg = render_svg(rows, "t");
  std::map<std::string, double> widest;  // mode -> its largest bound
  std::map<std::pair<std::string, std::string>, double> bound;
  for (const auto& b : elements(svg, "bound")) {
    const double ms = num(b, "data-bound-ms");
    widest[b.at("data-mode")] = std::max(widest[b.at("data-mode")], ms);
    bound[{b.at("data-mode"), b.at("data-crash")}] = ms;
  }
  CHECK(bound.size() == rows.size());  // a line per row
  CHECK(widest.at("sync") == 0);       // sync loses nothing to any crash
  CHECK(widest.at("os:5ms") == Approx(2 * 5 + 25));
  CHECK(widest.at("async:1ms") == Approx(2 * 1 + 25));
  CHECK(widest.at("async:10ms") == Approx(2 * 10 + 25));
  CHECK(bound.at({"os:5ms", "kill"}) == 0);  // os keeps what the kernel has
  check_ticks_inside(svg);
}

TEST_CASE("chart: text is escaped, so that the SVG is well-formed XML", "[chart]") {
  // A bound's tooltip says "< 35 ms": a bare '<' makes browsers refuse the whole file.
  const std::string svg = render_svg({row("async:5ms", CrashKind::kPower, {3}, 400)}, "a<b");
  std::size_t open_titles = 0;
  for (std::size_t p = svg.find("<title>"); p != std::string::npos; p = svg.find("<title>", p + 1)) {
    const std::size_t end = svg.find("</title>", p);
    REQUIRE(end != std::string::npos);
    CHECK(svg.substr(p + 7, end - p - 7).find('<') == std::string::npos);
    ++open_titles;
  }
  CHECK(open_titles > 0);
  CHECK(svg.find("a&lt;b") != std::string::npos);
}
