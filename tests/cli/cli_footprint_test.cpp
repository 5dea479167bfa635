// What a one-shot database costs on disk, and stats saying which counters are this process's.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <string>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

// Bytes allocated on disk for everything in `dir` (what du counts).
std::uintmax_t disk_usage(const std::string& dir) {
  std::uintmax_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (::lstat(e.path().c_str(), &st) == 0) total += static_cast<std::uintmax_t>(st.st_blocks) * 512;
  }
  return total;
}

TEST_CASE("a database made by one put takes about a megabyte, not the engine's 32 MiB segment",
          "[cli][footprint]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  CHECK(disk_usage(db) <= std::uintmax_t{2} << 20);

  const std::string small = tmp.sub("small");
  require_ok(run_in(small, {"--segment-bytes", "64K", "put", "k", "v"}));
  CHECK(disk_usage(small) <= std::uintmax_t{256} << 10);
  require_error(run_in(small, {"--segment-bytes", "32K", "put", "k", "v"}), 2,
                "--segment-bytes: '32K' is outside 64K..1G; see walkv --help");
}

TEST_CASE("a one-shot put of a value larger than the segment still works", "[cli][footprint]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string big(4 * 1024 * 1024, 'x');  // the engine's largest value
  require_ok(run_in(db, {"put", "big", "-"}, RunOptions{big, {}}));
  require_ok(run_in(db, {"put", "small", "v"}));
  CHECK(run_in(db, {"get", "--raw", "big"}).out == big);
  CHECK(run_in(db, {"get", "small"}).out == "v\n");
}

TEST_CASE("stats labels the counters of this process as such", "[cli][footprint]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "k", "v"}));
  require_ok(run_in(db, {"checkpoint"}));
  auto stats = run_in(db, {"stats"});
  require_ok(stats);
  // A new process has made no checkpoint; the snapshot the last one wrote is the database's.
  CHECK(std::regex_search(stats.out, std::regex("(^|\n)process\\.checkpoints +0\n")));
  CHECK(std::regex_search(stats.out, std::regex("(^|\n)snapshot_lsn +1\n")));
  CHECK_FALSE(std::regex_search(stats.out, std::regex("(^|\n)checkpoints ")));
  for (const char* counter : {"commits", "fsyncs", "flushes", "bytes_written"}) {
    INFO(counter);
    CHECK(std::regex_search(stats.out, std::regex(std::string("(^|\n)process\\.") + counter + " ")));
  }
}

}  // namespace
}  // namespace walkv::clitest
