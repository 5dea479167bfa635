// Exclusive ownership of a database directory: flock(LOCK_EX|LOCK_NB) on DIR/LOCK, held for
// the DB's lifetime. flock locks belong to the open file description, so a second open in the
// same process conflicts just as one from another process does.
#pragma once

#include <string>

#include "file_io.h"

namespace walkv {

class DirLock {
 public:
  // Busy when another DB holds the directory; IOError when the lock file cannot be made.
  static Result<DirLock> acquire(const std::string& dir);
  DirLock(DirLock&&) = default;
  DirLock& operator=(DirLock&&) = default;

 private:
  explicit DirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace walkv
