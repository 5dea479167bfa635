#include "file_image.h"

#include <sys/mman.h>

#include <cstring>

namespace walkv {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
}

FileImage::~FileImage() { release(); }

void FileImage::swap(FileImage& o) noexcept {
  std::swap(buf_, o.buf_);
  std::swap(capacity_, o.capacity_);
  std::swap(dirty_, o.dirty_);
  std::swap(size_, o.size_);
  std::swap(nonzero_end_, o.nonzero_end_);
}

void FileImage::release() {
  if (buf_) ::munmap(buf_, capacity_);
  buf_ = nullptr;
  capacity_ = 0;
  dirty_ = 0;
  clear();
}

char* FileImage::prepare(std::size_t size, std::size_t data) {
  clear();
  if (size > capacity_) {
    release();
    // Fresh anonymous memory reads as zeros, and pages never written (a segment's unused
    // tail) are never faulted in.
    const std::size_t cap = (size + kHugePage - 1) / kHugePage * kHugePage;
    void* p = ::mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    (void)::madvise(p, cap, MADV_HUGEPAGE);  // a hint: without it, 4 KiB pages
    buf_ = static_cast<char*>(p);
    capacity_ = cap;
  }
  // What the last file left past this one's data must read as the zeros the file has.
  if (dirty_ > data) std::memset(buf_ + data, 0, dirty_ - data);
  dirty_ = data;
  return buf_;
}

}  // namespace walkv
