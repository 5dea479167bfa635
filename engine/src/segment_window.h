// A window onto one WAL segment file: the WAL reader's view of its bytes, read with pread a
// megabyte at a time into a buffer that is kept for the next file.
//
// Why not a mapping of the whole file: on the virtual machines walkv is measured on, every
// page-table entry a fresh mapping installs traps to the hypervisor. Reading the 369 MB of a
// 2.1M-record log and hashing every record took 0.26–0.51 s through mapped and populated
// segments, 0.12–0.18 s by pread into one 64 MiB buffer, and 0.08–0.12 s by pread into a
// reused 1 MiB buffer (an ad-hoc driver, alternating rounds): the kernel copies from the page
// cache through its own huge-page view of memory, and a small buffer stays in the CPU's
// cache. A read error is also an error from pread, never a SIGBUS on a mapped page. And the
// memory is one window per reader, not two whole segments (up to 1 GiB each).
//
// Where the file's non-zero bytes end is found at open by reading it backwards: a segment is
// made full size and zero-filled ahead of use, so the tail segment is mostly zeros. What lies
// past that point is zeros in the window without reading it again, and a window reaches at
// most kZeroMargin into them, so opening a nearly empty segment costs a small read.
//
// A window's bytes can be shared (share()): a consumer that holds them may use its views
// after the window has moved on, on another thread — recovery hands the records of each
// window to its staging thread without copying them (index_replay.h). A window never writes
// into a buffer it has shared; its next read goes to a new one.
//
// Each read (the backward scan and first window at open; each later window) is one kRead
// for the I/O hooks. Thread safety: none; move-only. A shared buffer may be read by any
// thread that holds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "file_io.h"

namespace walkv {

class SegmentWindow {
 public:
  static constexpr std::size_t kWindow = std::size_t{1} << 20;
  static constexpr std::size_t kZeroMargin = std::size_t{64} << 10;

  SegmentWindow() = default;
  SegmentWindow(SegmentWindow&&) noexcept = default;
  SegmentWindow& operator=(SegmentWindow&&) noexcept = default;
  void swap(SegmentWindow& o) noexcept;

  // Opens `path`, finds where its non-zero bytes end, and reads its first window. On error
  // the window is empty (size 0). Corruption, without reading, if the file is larger than
  // max_size; IOError if it cannot be opened or read.
  Status open(const FileSystem& fs, const std::string& path,
              std::uint64_t max_size = std::uint64_t{1} << 30);
  std::uint64_t size() const { return size_; }
  // Offset after the file's last non-zero byte (0 if it is all zeros).
  std::uint64_t nonzero_end() const { return nonzero_end_; }
  // Bytes [off, off + len) of the file, cut short at its end. Valid until the next call.
  // IOError if they cannot be read.
  Status view(std::uint64_t off, std::size_t len, std::string_view* out) {
    // Inline for the common case, a record inside the current window: the reader asks
    // twice per record (header, then whole record).
    if (off >= buf_off_ && len <= buf_len_ && off - buf_off_ <= buf_len_ - len) {
      *out = std::string_view(buf_.get() + (off - buf_off_), len);
      return Status::OK();
    }
    return view_slow(off, len, out);
  }
  // The current buffer's address: whether a pointer from share() is still the current one.
  const char* data() const { return buf_.get(); }
  // The buffer behind the current window: views returned since the window last moved point
  // into it and stay valid while the returned pointer (or a copy) is held.
  std::shared_ptr<const char[]> share() const {
    shared_ = true;
    return buf_;
  }

 private:
  // view() when [off, off + len) is not wholly in the window: cut short at the file's end,
  // reading another window if needed.
  Status view_slow(std::uint64_t off, std::size_t len, std::string_view* out);
  // How many bytes to read from `off` on for a view of `len` bytes there.
  std::size_t window_for(std::uint64_t off, std::size_t len) const;
  // Fills the buffer with [off, off + len) (len within the file), zeros past nonzero_end_.
  int load(std::uint64_t off, std::size_t len);

  const FileSystem* fs_ = nullptr;
  std::string path_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
  std::uint64_t nonzero_end_ = 0;
  // Window-size buffers that their last holder (on any thread) hands back for reuse: fresh
  // ones are page-faulted in (7 replays: 175k faults with new/delete, 140k pooled).
  class BufferPool;
  // A buffer of `size` bytes for the next read: a pooled one if size is kWindow.
  std::shared_ptr<char[]> take_buffer(std::size_t size);

  std::shared_ptr<BufferPool> pool_;  // shared with the deleters of buffers handed out
  std::shared_ptr<char[]> buf_;       // kept across files until shared
  std::size_t capacity_ = 0;
  mutable bool shared_ = false;  // buf_ was shared: the next read needs a new buffer
  std::uint64_t buf_off_ = 0;  // file offset of buf_[0]
  std::size_t buf_len_ = 0;    // bytes of the file in buf_
};

}  // namespace walkv
