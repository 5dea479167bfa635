// walkv/io_hooks.h — the engine's I/O seam, for tests and the crash simulator.
//
// Every file-system operation the engine performs passes through one function that, when
// Options::io_hooks is set, calls before() and after() around it. Production code leaves
// the pointer null; the cost is then one predictable branch per operation.
//
// Uses: fault injection (return an errno from before() to make the operation fail without
// doing it, or a short length to make a write short), and the crash simulator's I/O ledger
// (after() sees each write's file, offset and length and each fdatasync's submission and
// completion, in order).
//
// Threading: hooks are called from any engine thread, possibly concurrently; implementations
// must be thread-safe. For io_uring operations, before() runs at submission and after() at
// completion, so a ledger sees exactly what was in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace walkv {

enum class IoOp : unsigned char {
  kOpen,       // open an existing file (path)
  kCreate,     // create a new file (path)
  kFallocate,  // reserve blocks: [offset, offset+length)
  kWrite,      // write data[0..length) at offset
  kSync,       // fdatasync/fsync of a file
  kDirSync,    // fsync of a directory (path is the directory)
  kRename,     // rename path -> path2
  kUnlink,     // unlink path
  kRead,       // read [offset, offset+length)
  kTruncate,   // set file size to offset
  kWriteback,  // start writeback of [offset, offset+length) and wait for it (sync_file_range);
               // makes nothing durable, but reports (and consumes) a write error of that range
};
// How many IoOp values there are (for tables indexed by op).
inline constexpr int kIoOpCount = static_cast<int>(IoOp::kWriteback) + 1;

// The operation's name in messages and ledgers ("fdatasync", "fsync(dir)", ...).
inline const char* io_op_name(IoOp op) {
  switch (op) {
    case IoOp::kOpen: return "open";
    case IoOp::kCreate: return "create";
    case IoOp::kFallocate: return "fallocate";
    case IoOp::kWrite: return "write";
    case IoOp::kSync: return "fdatasync";
    case IoOp::kDirSync: return "fsync(dir)";
    case IoOp::kRename: return "rename";
    case IoOp::kUnlink: return "unlink";
    case IoOp::kRead: return "read";
    case IoOp::kTruncate: return "truncate";
    case IoOp::kWriteback: return "sync_file_range";
  }
  return "?";
}

struct IoEvent {
  IoOp op;
  const std::string& path;
  const std::string* path2 = nullptr;  // kRename's target
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  const void* data = nullptr;  // kWrite's bytes
  bool via_uring = false;      // submitted through io_uring (linked write + fsync chain)
};

// One io_uring submission entry as the kernel reads it: copied from the ring after the
// flusher prepared it, just before submission. The opcodes are the kernel's
// (IORING_OP_WRITE, IORING_OP_FSYNC, ...); flags hold IOSQE_IO_LINK; op_flags is the
// entry's op-specific word (IORING_FSYNC_DATASYNC for an fdatasync).
struct UringSqe {
  std::uint8_t opcode = 0;
  std::uint8_t flags = 0;
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t op_flags = 0;
};

class IoHooks {
 public:
  virtual ~IoHooks() = default;
  // Before the operation. Return 0 to let it run; a positive errno (EIO, ENOSPC, ...) to fail
  // it without running it; for kWrite, a negative value -n (0 < n < length) to make it a
  // short write of n bytes (the engine must then carry on or fail correctly).
  virtual int before(const IoEvent&) { return 0; }
  // After the operation ran (or was failed by before()): result is 0 or a positive errno.
  virtual void after(const IoEvent&, int /*result*/) {}
  // Each io_uring chain as submitted (n entries, in order): what the kernel is really asked
  // to do, beyond what before()/after() are told.
  virtual void uring_submit(const UringSqe* /*sqes*/, std::size_t /*n*/) {}
};

}  // namespace walkv
