#include "file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>


namespace walkv {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<UniqueFd> FileSystem::open_existing(const std::string& path, bool writable) const {
  int fd = -1;
  IoEvent ev{IoOp::kOpen, path};
  int err = run(ev, [&](std::uint64_t) {
    // O_NONBLOCK: a FIFO under a walkv name must not block the open forever (it has no
    // effect on a regular file's reads and writes).
    fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
    return fd < 0 ? errno : 0;
  });
  if (err) return Status::IOError("open", path, err);
  UniqueFd owned(fd);
  struct stat st;
  if (::fstat(fd, &st) < 0) return Status::IOError("fstat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISFIFO(st.st_mode)  ? "a FIFO"
                       : S_ISDIR(st.st_mode) ? "a directory"
                       : S_ISCHR(st.st_mode) ? "a character device"
                       : S_ISBLK(st.st_mode) ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    return Status::Corruption(path + " is " + kind + ", not a regular file");
  }
  // Back to blocking: io_uring answers EAGAIN for O_NONBLOCK files instead of waiting.
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
    return Status::IOError("fcntl", path, errno);
  return owned;
}

Result<UniqueFd> FileSystem::create(const std::string& path, bool truncate) const {
  int fd = -1;
  IoEvent ev{IoOp::kCreate, path};
  int err = run(ev, [&](std::uint64_t) {
    int flags = O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_EXCL);
    fd = ::open(path.c_str(), flags, 0644);
    return fd < 0 ? errno : 0;
  });
  if (err) return Status::IOError("create", path, err);
  return UniqueFd(fd);
}

Status FileSystem::write_at(int fd, const std::string& path, std::uint64_t offset,
                            std::string_view data) const {
  while (!data.empty()) {
    std::size_t done = 0;
    IoEvent ev{IoOp::kWrite, path, nullptr, fd, offset, data.size(), data.data()};
    int err = run(ev, [&](std::uint64_t len) {
      ssize_t n = ::pwrite(fd, data.data(), len, static_cast<off_t>(offset));
      if (n < 0) return errno == EINTR ? 0 : errno;
      if (n == 0) return ENOSPC;  // no progress: treat as a full device, never spin
      done = static_cast<std::size_t>(n);
      return 0;
    });
    if (err) return Status::IOError("write", path, err);
    data.remove_prefix(done);
    offset += done;
  }
  return Status::OK();
}

Status FileSystem::read_at(int fd, const std::string& path, std::uint64_t offset,
                           std::size_t length, std::string* out) const {
  out->resize(length);
  std::size_t got = 0;
  while (got < length) {
    std::size_t n_read = 0;
    IoEvent ev{IoOp::kRead, path, nullptr, fd, offset + got, length - got};
    int err = run(ev, [&](std::uint64_t len) {
      ssize_t n = ::pread(fd, out->data() + got, len, static_cast<off_t>(offset + got));
      if (n < 0) return errno == EINTR ? 0 : errno;
      n_read = static_cast<std::size_t>(n);
      return 0;
    });
    if (err) return Status::IOError("read", path, err);
    if (n_read == 0) {
      out->resize(got);
      return Status::Corruption("unexpected end of file " + path);
    }
    got += n_read;
  }
  return Status::OK();
}

Status FileSystem::read_file(const std::string& path, std::string* out,
                             std::uint64_t max_size) const {
  auto fd = open_existing(path, false);
  if (!fd.ok()) return fd.status();
  std::uint64_t size = 0;
  if (Status s = file_size(fd->get(), path, &size); !s.ok()) return s;
  if (size > max_size) {
    out->clear();
    return Status::Corruption(path + " is " + std::to_string(size) + " bytes, more than the " +
                              std::to_string(max_size) + " a walkv file can be");
  }
  return read_at(fd->get(), path, 0, size, out);
}

Status FileSystem::datasync(int fd, const std::string& path) const {
  IoEvent ev{IoOp::kSync, path, nullptr, fd};
  int err = run(ev, [&](std::uint64_t) { return ::fdatasync(fd) < 0 ? errno : 0; });
  return err ? Status::IOError("fdatasync", path, err) : Status::OK();
}

Status FileSystem::truncate(int fd, const std::string& path, std::uint64_t size) const {
  IoEvent ev{IoOp::kTruncate, path, nullptr, fd, size};
  int err = run(ev, [&](std::uint64_t) {
    return ::ftruncate(fd, static_cast<off_t>(size)) < 0 ? errno : 0;
  });
  return err ? Status::IOError("truncate", path, err) : Status::OK();
}

Status FileSystem::writeback(int fd, const std::string& path, std::uint64_t offset,
                             std::uint64_t length, bool wait) const {
  IoEvent ev{IoOp::kWriteback, path, nullptr, fd, offset, length};
  const unsigned flags = wait ? SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                    SYNC_FILE_RANGE_WAIT_AFTER
                              : SYNC_FILE_RANGE_WRITE;
  int err = run(ev, [&](std::uint64_t) {
    return ::sync_file_range(fd, static_cast<off64_t>(offset), static_cast<off64_t>(length),
                             flags) < 0
               ? errno
               : 0;
  });
  return err ? Status::IOError("sync_file_range", path, err) : Status::OK();
}

Status FileSystem::fallocate(int fd, const std::string& path, std::uint64_t offset,
                             std::uint64_t length) const {
  IoEvent ev{IoOp::kFallocate, path, nullptr, fd, offset, length};
  // fallocate(2), not posix_fallocate: where the file system has no fallocate, glibc's
  // fallback writes a byte into every block, one pwrite each (65,536 for a 32 MiB segment).
  // The caller is told EOPNOTSUPP and zero-fills the file itself.
  int err = run(ev, [&](std::uint64_t) {
    return ::fallocate(fd, 0, static_cast<off_t>(offset), static_cast<off_t>(length)) < 0 ? errno
                                                                                           : 0;
  });
  return err ? Status::IOError("fallocate", path, err) : Status::OK();
}

Status FileSystem::sync_dir(const std::string& dir) const {
  IoEvent ev{IoOp::kDirSync, dir};
  int err = run(ev, [&](std::uint64_t) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int rc = ::fsync(fd) < 0 ? errno : 0;
    ::close(fd);
    return rc;
  });
  return err ? Status::IOError("fsync directory", dir, err) : Status::OK();
}

Status FileSystem::rename(const std::string& from, const std::string& to) const {
  IoEvent ev{IoOp::kRename, from, &to};
  int err = run(ev, [&](std::uint64_t) {
    return ::rename(from.c_str(), to.c_str()) < 0 ? errno : 0;
  });
  return err ? Status::IOError("rename", from + " -> " + to, err) : Status::OK();
}

Status FileSystem::unlink(const std::string& path) const {
  IoEvent ev{IoOp::kUnlink, path};
  int err = run(ev, [&](std::uint64_t) { return ::unlink(path.c_str()) < 0 ? errno : 0; });
  return err ? Status::IOError("unlink", path, err) : Status::OK();
}

Status FileSystem::file_size(int fd, const std::string& path, std::uint64_t* size) const {
  struct stat st;
  if (::fstat(fd, &st) < 0) return Status::IOError("stat", path, errno);
  *size = static_cast<std::uint64_t>(st.st_size);
  return Status::OK();
}

Status list_dir(const std::string& dir, std::vector<std::string>* names) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Status::IOError("open directory", dir, errno);
  names->clear();
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names->emplace_back(n);
  }
  ::closedir(d);
  return Status::OK();
}

std::string join_path(const std::string& dir, std::string_view name) {
  std::string p = dir;
  if (!p.empty() && p.back() != '/') p.push_back('/');
  p.append(name);
  return p;
}

}  // namespace walkv
