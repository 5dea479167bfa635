// TempDir: a fresh directory for one test, benchmark or fuzz run, removed with everything in
// it on destruction. The one temporary-directory helper of tests/, bench/ and tests/fuzz/.
//
// Created with mkdtemp as "<parent>/walkv-<tag>-XXXXXX"; the parent defaults to $TMPDIR,
// else /tmp. Removal first gives the owner back full access to every directory below, since
// tests make parts of their trees unreadable and remove_all cannot descend into those.
// A removal error is reported on stderr, not thrown: a leftover directory must not turn a
// passing run into a crash. Not thread-safe; one owner per directory.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace walkv::test {

class TempDir {
 public:
  // Throws std::runtime_error (with the errno text) if the directory cannot be made.
  explicit TempDir(const std::string& parent = default_parent(), std::string_view tag = "test") {
    const std::string pattern = parent + "/walkv-" + std::string(tag) + "-XXXXXX";
    std::string made = pattern;  // mkdtemp rewrites the X's even when it fails
    if (::mkdtemp(made.data()) == nullptr)
      throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    path_ = std::move(made);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (keep_) return;
    restore_access(path_);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) std::fprintf(stderr, "could not remove %s: %s\n", path_.c_str(), ec.message().c_str());
  }

  // $TMPDIR if set and not empty, else /tmp.
  static std::string default_parent() {
    const char* env = std::getenv("TMPDIR");
    return env != nullptr && *env != '\0' ? std::string(env) : std::string("/tmp");
  }

  // /dev/shm when it is a writable directory, else default_parent(). For suites that run
  // hundreds of short-lived databases and need no real durability: on a tmpfs an fdatasync
  // costs nothing.
  static std::string tmpfs_parent() {
    std::error_code ec;
    if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0)
      return "/dev/shm";
    return default_parent();
  }

  const std::string& path() const { return path_; }
  // path()/name: a file or a database directory inside this one.
  std::string sub(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Leaves the directory in place on destruction, for a tree that must not be walked (a file
  // system still mounted below it) or that should stay for inspection.
  void keep() { keep_ = true; }

 private:
  static void restore_access(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::symlink_status(dir, ec))) return;
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      restore_access(entry.path());
  }

  std::string path_;
  bool keep_ = false;
};

}  // namespace walkv::test
