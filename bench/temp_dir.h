// bench/temp_dir.h — a scratch directory on the benchmark disk, removed with its contents.
//
// Directories are created under $WALKV_BENCH_DIR if set, else under /var/tmp: a disk-backed
// file system, so that fdatasync reaches the device the way it would in production (a tmpfs
// would make every sync benchmark meaningless). The directory itself is the tests' TempDir
// (tests/common/temp_dir.h); this adds the benchmark root and a factory that reports failure
// instead of throwing. Not thread-safe; one owner per directory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/temp_dir.h"

namespace walkv::bench {

class TempDir : public test::TempDir {
 public:
  // Creates "<root>/walkv-bench-<tag>-XXXXXX". Null (and *error set) on failure.
  static std::unique_ptr<TempDir> create(std::string_view tag, std::string* error);

  // path()/name: the benchmarks' spelling of sub().
  std::string file(std::string_view name) const { return sub(name); }

 private:
  TempDir(const std::string& parent, std::string_view tag) : test::TempDir(parent, tag) {}
};

// The directory scratch directories go under.
std::string bench_root();

// "<root> (ext4)" — the root and its file-system type, for the report's context; warns on
// stderr if that is a tmpfs.
std::string describe_bench_root();

}  // namespace walkv::bench
