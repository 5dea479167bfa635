// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace walkv::clitest {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/walkv-cli-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    restore_access(path_);  // tests may have made parts unreadable
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }
  // path()/name, e.g. the --dir of a database inside this directory.
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  static void restore_access(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::symlink_status(path, ec))) return;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      restore_access(entry.path());
    }
  }

  std::string path_;
};

}  // namespace walkv::clitest
