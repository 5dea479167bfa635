// The crash tests' name for the shared temporary directory (tests/common/temp_dir.h).
#pragma once

#include "common/temp_dir.h"

using CrashTestDir = walkv::test::TempDir;
