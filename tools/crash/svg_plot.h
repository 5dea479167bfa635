// A self-contained SVG chart of data loss against commit latency, one point per mode and
// crash kind: x = commit latency p50 (log scale) with a bar to p99, y = acknowledged writes
// lost per crash (mean, symmetric-log scale so that 0 shows) with a whisker to the worst
// trial. Colour names the mode, the marker the crash kind. Rot rows are not points (their
// crash is a kill, and what they measure is a count of trials): the legend lists their
// full / refused / broken counts. Needs no fonts, scripts or external files.
#pragma once

#include <string>
#include <vector>

#include "report.h"

namespace walkv::crash {

std::string render_svg(const std::vector<Row>& rows, const std::string& subtitle);

}  // namespace walkv::crash
