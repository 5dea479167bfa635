// Which walkv a result came from: results carry it (run_meta.h) so that they describe
// themselves long after the build that made them is gone.
#pragma once

#include <string>

namespace walkv::crash {

// PROJECT_VERSION, e.g. "0.1.0".
std::string build_version();
// `git rev-parse --short HEAD` when the build was configured ("unknown" outside a git
// checkout). Configure time, not build time: a rebuild after a new commit without
// re-running CMake keeps the older commit.
std::string build_commit();

}  // namespace walkv::crash
