// bench/temp_dir.h — a scratch directory on the benchmark disk, removed with its contents.
//
// Directories are created under $WALKV_BENCH_DIR if set, else under /var/tmp: a disk-backed
// file system, so that fdatasync reaches the device the way it would in production (a tmpfs
// would make every sync benchmark meaningless). Not thread-safe; one owner per directory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace walkv::bench {

class TempDir {
 public:
  // Creates "<root>/walkv-bench-<tag>-XXXXXX". Null (and *error set) on failure.
  static std::unique_ptr<TempDir> create(std::string_view tag, std::string* error);

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();  // removes the directory and everything in it

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The directory scratch directories go under.
std::string bench_root();

// "<root> (ext4)" — the root and its file-system type, for the report's context; warns on
// stderr if that is a tmpfs.
std::string describe_bench_root();

}  // namespace walkv::bench
