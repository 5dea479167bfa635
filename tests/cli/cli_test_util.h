// Shared checks for the CLI tests.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "subprocess.h"

namespace walkv::clitest {

using test::TempDir;

// True if every stderr line is an engine warning ("walkv: ..."), i.e. no error was printed.
inline bool only_warnings(const std::string& err) {
  for (const auto& line : lines_of(err)) {
    if (line.rfind("walkv: ", 0) != 0) return false;
  }
  return true;
}

// The run failed with `exit_code` and reported it as one stderr line starting with "error:"
// that contains `needle`; nothing else but engine warnings is on stderr, nothing on stdout.
inline void require_error(const RunResult& r, int exit_code, const std::string& needle) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == exit_code);
  REQUIRE(r.out.empty());
  const auto lines = lines_of(r.err);
  REQUIRE(!lines.empty());
  int error_lines = 0;
  for (const auto& line : lines) {
    if (line.rfind("error: ", 0) == 0) {
      ++error_lines;
    } else {
      REQUIRE(line.rfind("walkv: ", 0) == 0);  // only engine warnings may accompany it
    }
  }
  REQUIRE(error_lines == 1);
  REQUIRE(lines.back().rfind("error: ", 0) == 0);
  REQUIRE(r.err.back() == '\n');
  CHECK_THAT(lines.back(), Catch::Contains(needle));
}

// The run succeeded with no error output.
inline void require_ok(const RunResult& r) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(only_warnings(r.err));
}

// `walkv --dir dir args...`
inline RunResult run_in(const std::string& dir, std::vector<std::string> args,
                        const RunOptions& options = {}) {
  args.insert(args.begin(), {"--dir", dir});
  return run_cli(args, options);
}

}  // namespace walkv::clitest
