#include "dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace walkv {

Result<DirLock> DirLock::acquire(const std::string& dir) {
  const std::string path = join_path(dir, "LOCK");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("open lock file", path, errno);
  UniqueFd owned(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK)
      return Status::Busy("database " + dir + " is already open (LOCK is held by another " +
                          "process or DB instance)");
    return Status::IOError("lock", path, errno);
  }
  return DirLock(std::move(owned));
}

}  // namespace walkv
