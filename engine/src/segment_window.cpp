#include "segment_window.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

namespace walkv {

namespace {

// Reads up to `len` bytes at `offset` into `buf`, continuing after short reads; *got says
// how many (fewer only at the end of the file). Returns 0 or an errno.
int pread_full(int fd, char* buf, std::size_t len, std::uint64_t offset, std::size_t* got) {
  *got = 0;
  while (*got < len) {
    const ssize_t r = ::pread(fd, buf + *got, len - *got, static_cast<off_t>(offset + *got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno;
    if (r == 0) break;
    *got += static_cast<std::size_t>(r);
  }
  return 0;
}

// Offset after the last non-zero byte of buf[0, n), or 0.
std::size_t trim_zeros(const char* buf, std::size_t n) {
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, buf + n - 8, 8);
    if (word != 0) break;
    n -= 8;
  }
  while (n > 0 && buf[n - 1] == 0) --n;
  return n;
}

// Offset after the last non-zero byte of the file's first `size` bytes (0 if none), reading
// backwards in chunks into a small buffer that stays in the CPU's cache.
int find_nonzero_end(int fd, std::uint64_t size, std::uint64_t* end) {
  constexpr std::size_t kChunk = std::size_t{256} << 10;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  std::uint64_t off = size;
  while (off > 0) {
    const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, off));
    const std::uint64_t start = off - len;
    std::size_t got = 0;
    // Short: the file is shorter than it was, and the rest reads as nothing.
    if (int e = pread_full(fd, buf.get(), len, start, &got); e != 0) return e;
    if (std::size_t n = trim_zeros(buf.get(), got); n > 0) {
      *end = start + n;
      return 0;
    }
    off = start;
  }
  *end = 0;
  return 0;
}

}  // namespace

class SegmentWindow::BufferPool {
 public:
  ~BufferPool() {
    for (char* b : free_) delete[] b;
  }
  char* get() {
    std::lock_guard lk(mu_);
    if (free_.empty()) return new (std::nothrow) char[kWindow];
    char* b = free_.back();
    free_.pop_back();
    return b;
  }
  void put(char* b) {
    std::lock_guard lk(mu_);
    if (free_.size() < kKept) {
      free_.push_back(b);
    } else {
      delete[] b;
    }
  }

 private:
  // A replay holds a few batches of windows (index_replay.h); more would be idle memory.
  static constexpr std::size_t kKept = 8;
  std::mutex mu_;
  std::vector<char*> free_;
};

std::shared_ptr<char[]> SegmentWindow::take_buffer(std::size_t size) {
  if (size != kWindow) {
    char* p = new (std::nothrow) char[size];
    return p ? std::shared_ptr<char[]>(p) : nullptr;
  }
  if (!pool_) pool_ = std::make_shared<BufferPool>();
  char* p = pool_->get();
  if (p == nullptr) return nullptr;
  return std::shared_ptr<char[]>(p, [pool = pool_](char* b) { pool->put(b); });
}

void SegmentWindow::swap(SegmentWindow& o) noexcept {
  std::swap(fs_, o.fs_);
  std::swap(path_, o.path_);
  std::swap(fd_, o.fd_);
  std::swap(size_, o.size_);
  std::swap(nonzero_end_, o.nonzero_end_);
  std::swap(pool_, o.pool_);
  std::swap(buf_, o.buf_);
  std::swap(capacity_, o.capacity_);
  std::swap(shared_, o.shared_);
  std::swap(buf_off_, o.buf_off_);
  std::swap(buf_len_, o.buf_len_);
}

Status SegmentWindow::open(const FileSystem& fs, const std::string& path, std::uint64_t max_size) {
  fs_ = &fs;
  path_ = path;
  fd_.reset();
  size_ = nonzero_end_ = 0;
  buf_off_ = 0;
  buf_len_ = 0;
  auto fd = fs.open_existing(path, false);
  if (!fd.ok()) return fd.status();
  std::uint64_t size = 0;
  if (Status s = fs.file_size(fd->get(), path, &size); !s.ok()) return s;
  if (size > max_size) {
    return Status::Corruption(path + " is " + std::to_string(size) + " bytes, more than the " +
                              std::to_string(max_size) + " a walkv file can be");
  }
  fd_ = std::move(fd.value());
  size_ = size;
  IoEvent ev{IoOp::kRead, path, nullptr, fd_.get(), 0, size};
  int err = fs.run(ev, [&](std::uint64_t) {
    if (int e = find_nonzero_end(fd_.get(), size_, &nonzero_end_); e != 0) return e;
    return load(0, window_for(0, 0));
  });
  if (err) {
    fd_.reset();
    size_ = nonzero_end_ = 0;
    buf_len_ = 0;
    return Status::IOError("read", path, err);
  }
  return Status::OK();
}

Status SegmentWindow::view_slow(std::uint64_t off, std::size_t len, std::string_view* out) {
  off = std::min(off, size_);
  len = static_cast<std::size_t>(std::min<std::uint64_t>(len, size_ - off));
  if (off < buf_off_ || off + len > buf_off_ + buf_len_) {
    const std::size_t want = window_for(off, len);
    IoEvent ev{IoOp::kRead, path_, nullptr, fd_.get(), off, want};
    if (int err = fs_->run(ev, [&](std::uint64_t) { return load(off, want); }); err != 0) {
      buf_len_ = 0;
      return Status::IOError("read", path_, err);
    }
  }
  *out = std::string_view(buf_.get() + (off - buf_off_), len);
  return Status::OK();
}

std::size_t SegmentWindow::window_for(std::uint64_t off, std::size_t len) const {
  // A window from `off` on, larger when one record needs more; but past the file's data
  // only kZeroMargin of its zeros, which is all a reader looks at there (a zero header).
  const std::uint64_t zeros_from = std::max(nonzero_end_, off);
  const std::uint64_t want = std::max<std::uint64_t>(
      len, std::min<std::uint64_t>(kWindow, zeros_from + kZeroMargin - off));
  return static_cast<std::size_t>(std::min(want, size_ - off));
}

int SegmentWindow::load(std::uint64_t off, std::size_t len) {
  buf_len_ = 0;
  buf_off_ = off;
  if (len == 0) return 0;  // an empty file: there may be no buffer to touch yet
  if (len > capacity_ || shared_) {
    // A shared buffer is left to its holders: writing into it would change their views.
    const std::size_t size = std::max(len, kWindow);
    buf_.reset();
    capacity_ = 0;
    shared_ = false;
    buf_ = take_buffer(size);
    if (!buf_) return ENOMEM;
    capacity_ = size;
  }
  // Past nonzero_end_ the file holds zeros: they are not read again.
  const std::size_t data =
      off >= nonzero_end_
          ? 0
          : static_cast<std::size_t>(std::min<std::uint64_t>(len, nonzero_end_ - off));
  std::size_t got = 0;
  if (int e = pread_full(fd_.get(), buf_.get(), data, off, &got); e != 0) return e;
  // Short only if the file shrank since it was measured: its end then reads as zeros.
  std::memset(buf_.get() + got, 0, len - got);
  buf_len_ = len;
  return 0;
}

}  // namespace walkv
