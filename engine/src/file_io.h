// The engine's only door to the file system. Every operation goes through FileSystem so that
// Options::io_hooks (walkv/io_hooks.h) can observe it or fail it: the seam for fault
// injection and the crash simulator's ledger. Without hooks each call is the plain syscall.
//
// Thread-safe: FileSystem holds no mutable state; UniqueFd is a move-only owner.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "walkv/io_hooks.h"
#include "walkv/status.h"

namespace walkv {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

class FileSystem {
 public:
  explicit FileSystem(std::shared_ptr<IoHooks> hooks) : hooks_(std::move(hooks)) {}

  IoHooks* hooks() const { return hooks_.get(); }

  Result<UniqueFd> open_existing(const std::string& path, bool writable) const;
  // O_CREAT|O_EXCL unless `truncate`, in which case an existing file is truncated.
  Result<UniqueFd> create(const std::string& path, bool truncate) const;

  // Writes all of data at offset, continuing after short writes.
  Status write_at(int fd, const std::string& path, std::uint64_t offset,
                  std::string_view data) const;
  // Reads exactly length bytes at offset into out (resized); Corruption if the file is shorter.
  Status read_at(int fd, const std::string& path, std::uint64_t offset, std::size_t length,
                 std::string* out) const;
  // Reads a whole file; Corruption (without allocating) if it is larger than max_size.
  Status read_file(const std::string& path, std::string* out,
                   std::uint64_t max_size = std::uint64_t{1} << 30) const;
  Status datasync(int fd, const std::string& path) const;
  // Starts writeback of [offset, offset+length) and, with `wait`, waits for it. Makes
  // nothing durable. An error must not be ignored: waiting consumes the file's write error
  // (as fdatasync would), so a later fdatasync of this file no longer reports it.
  Status writeback(int fd, const std::string& path, std::uint64_t offset, std::uint64_t length,
                   bool wait) const;
  // Sets the file's size (ftruncate).
  Status truncate(int fd, const std::string& path, std::uint64_t size) const;
  // Reserves blocks (fallocate(2), mode 0). IOError with sys_errno() EOPNOTSUPP where the
  // file system cannot: then nothing was written, and the caller may write the range itself.
  Status fallocate(int fd, const std::string& path, std::uint64_t offset,
                   std::uint64_t length) const;
  Status sync_dir(const std::string& dir) const;
  Status rename(const std::string& from, const std::string& to) const;
  Status unlink(const std::string& path) const;
  Status file_size(int fd, const std::string& path, std::uint64_t* size) const;

  // Runs hooks around op(): before() may fail it (positive errno) or, for writes, shorten it
  // (negative value). op receives the possibly shortened length and returns 0 or an errno.
  template <typename Op>
  int run(const IoEvent& ev, Op&& op) const {
    if (!hooks_) return op(ev.length);
    int verdict = hooks_->before(ev);
    int result;
    if (verdict > 0) {
      result = verdict;
    } else if (verdict < 0 && ev.op == IoOp::kWrite &&
               static_cast<std::uint64_t>(-verdict) < ev.length) {
      result = op(static_cast<std::uint64_t>(-verdict));
    } else {
      result = op(ev.length);
    }
    hooks_->after(ev, result);
    return result;
  }

 private:
  std::shared_ptr<IoHooks> hooks_;
};

// Names in a directory (no "." or ".."). IOError if it cannot be read.
Status list_dir(const std::string& dir, std::vector<std::string>* names);
std::string join_path(const std::string& dir, std::string_view name);

}  // namespace walkv
