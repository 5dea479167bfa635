// A whole file's bytes in memory, in a buffer that is kept and reused for the next file:
// the WAL reader's view of a segment (FileSystem::load_file fills it).
//
// Why a copy and not a mapping: on the virtual machines walkv is measured on, every page
// table entry a fresh mapping installs costs a trap to the hypervisor. Reading the 369 MB
// of a 2.1M-record log and hashing every record took 0.26–0.51 s through mapped and
// populated segments, against 0.12–0.18 s by pread into one reused 64 MiB buffer (an
// ad-hoc driver, three alternating rounds): the kernel copies out of the page cache through
// its own huge-page view of memory, and the buffer's pages (2 MiB where transparent huge
// pages are allowed) are faulted in once. A read error is also an error from pread, never
// a SIGBUS on touching a mapped page.
//
// The buffer grows to the largest file loaded and is not shrunk; bytes past a file's data
// are zeros, as in the file. Memory: a reader holding two images of full 32 MiB segments
// holds 64 MiB until it is done (docs/limits.md).
//
// Thread safety: none; move-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace walkv {

class FileImage {
 public:
  FileImage() = default;
  ~FileImage();
  FileImage(FileImage&& o) noexcept { swap(o); }
  FileImage& operator=(FileImage&& o) noexcept {
    FileImage(std::move(o)).swap(*this);
    return *this;
  }
  FileImage(const FileImage&) = delete;
  FileImage& operator=(const FileImage&) = delete;
  void swap(FileImage& o) noexcept;

  std::string_view bytes() const { return {buf_, size_}; }
  // Offset after the file's last non-zero byte (0 if it is all zeros).
  std::uint64_t nonzero_end() const { return nonzero_end_; }
  // Forgets the file (bytes() is empty); keeps the buffer.
  void clear() {
    size_ = 0;
    nonzero_end_ = 0;
  }

 private:
  friend class FileSystem;
  // Readies the buffer for a file of `size` bytes whose first `data` bytes the caller will
  // read in; the rest already reads as zeros. Returns the buffer, or nullptr (ENOMEM).
  char* prepare(std::size_t size, std::size_t data);
  void release();

  char* buf_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t dirty_ = 0;  // bytes from the start that may be non-zero
  std::size_t size_ = 0;
  std::uint64_t nonzero_end_ = 0;
};

}  // namespace walkv
