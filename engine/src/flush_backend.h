// How a batch of log bytes reaches stable storage. Two implementations with one contract:
// POSIX (pwrite + fdatasync on the calling thread) and io_uring (one linked chain of
// write → fdatasync per segment, submitted and reaped by the calling thread).
//
// Contract of write_and_sync(): writes every chunk at its offset, in order, then makes each
// file durable with fdatasync, earlier segments first. A chunk with no bytes asks only for
// its segment's fdatasync. Returns OK only if every byte was written and every fdatasync
// succeeded; a short write is continued, never ignored. On error nothing may be assumed
// about what reached the disk. write() is the same without any fdatasync: on OK every byte
// is in the kernel (a process crash cannot lose it; a power cut can).
//
// Thread safety: one caller at a time (the commit log serializes flushes).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "file_io.h"
#include "segment.h"

namespace walkv {

struct FlushChunk {
  const Segment* segment;
  std::uint64_t offset;
  std::string_view data;
};

class FlushBackend {
 public:
  virtual ~FlushBackend() = default;
  virtual const char* name() const = 0;
  // *fsyncs is incremented by the number of fdatasync calls issued.
  virtual Status write_and_sync(std::span<const FlushChunk> chunks, std::uint64_t* fsyncs) = 0;
  virtual Status write(std::span<const FlushChunk> chunks) = 0;
};

std::unique_ptr<FlushBackend> make_posix_backend(const FileSystem& fs);
// NotSupported (with the reason) when io_uring cannot be set up or fails a probe.
Result<std::unique_ptr<FlushBackend>> make_uring_backend(const FileSystem& fs);

}  // namespace walkv
