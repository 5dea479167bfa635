#include "scratch_dir.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace walkv::faults {

namespace {

std::string parent_dir() {
  if (const char* env = std::getenv("WALKV_FAULTS_TMPDIR"); env != nullptr && *env != '\0')
    return env;
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0)
    return "/dev/shm";
  return "/tmp";
}

}  // namespace

ScratchDir::ScratchDir() {
  std::string tmpl = parent_dir() + "/walkv-faults-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace walkv::faults
