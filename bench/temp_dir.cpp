#include "temp_dir.h"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace walkv::bench {

std::string bench_root() {
  const char* env = std::getenv("WALKV_BENCH_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("/var/tmp");
}

std::unique_ptr<TempDir> TempDir::create(std::string_view tag, std::string* error) {
  try {
    return std::unique_ptr<TempDir>(new TempDir(bench_root(), "bench-" + std::string(tag)));
  } catch (const std::runtime_error& e) {
    *error = e.what();
    return nullptr;
  }
}

std::string describe_bench_root() {
  const std::string root = bench_root();
  struct statfs fs {};
  if (statfs(root.c_str(), &fs) != 0) return root + " (" + std::strerror(errno) + ")";
  const char* type = "other";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case EXT4_SUPER_MAGIC: type = "ext2/3/4"; break;
    case XFS_SUPER_MAGIC: type = "xfs"; break;
    case BTRFS_SUPER_MAGIC: type = "btrfs"; break;
    case TMPFS_MAGIC: type = "tmpfs"; break;
    case OVERLAYFS_SUPER_MAGIC: type = "overlay"; break;
    default: break;
  }
  if (fs.f_type == TMPFS_MAGIC) {
    std::cerr << "walkv-bench: warning: " << root
              << " is a tmpfs: fdatasync costs nothing there; set WALKV_BENCH_DIR to a disk\n";
  }
  return root + " (" + type + ")";
}

}  // namespace walkv::bench
