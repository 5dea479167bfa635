// ScratchDir: a fresh directory removed with its content on destruction. The fault suite
// runs hundreds of short-lived databases, so it prefers a tmpfs (/dev/shm), where an
// fdatasync costs nothing; injected faults do not depend on real durability.
// WALKV_FAULTS_TMPDIR overrides the parent directory.
#pragma once

#include <string>

namespace walkv::faults {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace walkv::faults
