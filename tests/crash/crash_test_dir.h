// A fresh temporary directory, removed with everything in it at scope exit.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

class CrashTestDir {
 public:
  CrashTestDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "walkv-crash-test-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    path_ = templ;
  }
  ~CrashTestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  CrashTestDir(const CrashTestDir&) = delete;
  CrashTestDir& operator=(const CrashTestDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};
