// A self-contained SVG chart of a run (docs/crash.md, "How to read the chart"), three panels:
//
//   latency  — one bar per row: p50 dot, bar to p99, a tick at p99.9 (log scale).
//   window   — per row, one dot per trial: the loss window in ms, with the row's bound line
//              (guarantee.h: 2 x interval + margin where loss is bounded, 0 where the mode
//              promises to lose nothing).
//   ladder   — latency against loss, one dot per kill and power trial: x its p50 commit
//              latency (log), y the acknowledged writes it lost (log, with 0). One colour per
//              rung (sync, os, async; Okabe-Ito, safe for colour-blind readers), each mode
//              labelled beside its dots. Rot and double trials are kills too, which the kill
//              dots already show: the legend counts their verdicts instead.
//
// Elements carry class and data- attributes (frame, tick, trial-dot, window-dot, bound,
// legend-crash) so that tests, and people, can read the chart back. Needs no fonts, scripts
// or external files.
#pragma once

#include <string>
#include <vector>

#include "report.h"

namespace walkv::crash {

std::string render_svg(const std::vector<Row>& rows, const std::string& subtitle);

}  // namespace walkv::crash
