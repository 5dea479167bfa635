#include "build_info.h"

// Set by tools/crash/CMakeLists.txt on this file only, so that a new commit recompiles
// one file.
#ifndef WALKV_CRASH_VERSION
#define WALKV_CRASH_VERSION "unknown"
#endif
#ifndef WALKV_CRASH_COMMIT
#define WALKV_CRASH_COMMIT "unknown"
#endif

namespace walkv::crash {

std::string build_version() { return WALKV_CRASH_VERSION; }
std::string build_commit() { return WALKV_CRASH_COMMIT; }

}  // namespace walkv::crash
