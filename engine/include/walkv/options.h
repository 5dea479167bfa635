// walkv/options.h — how a DB commits, flushes and bounds its memory.
//
// Options are read once by DB::open() and validated there (InvalidArgument names the field).
// WriteOptions travel with one write. Both are plain values; thread safety is the caller's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace walkv {

class IoHooks;  // walkv/io_hooks.h: a test seam; leave null in production.
class Status;

// Log sequence number: every write (a put, a del or a whole WriteBatch) gets the next one.
// LSNs start at 1 and grow by exactly 1 per write; 0 means "nothing".
using Lsn = std::uint64_t;

enum class CommitMode {
  // put() returns once the record and every earlier one are on stable storage (data
  // written, fdatasync completed, the directory entry of a new WAL file fsynced).
  // A process crash loses nothing acknowledged; neither does a power cut.
  // Concurrent sync writers share one write + fdatasync (group commit).
  // The write becomes visible to readers only once durable.
  kSync,
  // put() returns once the record and every earlier one are written to the log file (in the
  // kernel's page cache, no fdatasync yet) and applied (visible). Concurrent os writers
  // share one write. The background flusher fdatasyncs what was written every
  // flush_interval or once flush_bytes are written. A process crash loses nothing
  // acknowledged; a power cut or kernel crash loses acknowledged records not yet covered by
  // a completed fdatasync, with the same bound as kAsync.
  kOs,
  // put() returns once the record is in the in-memory log buffer and applied (visible).
  // A background flusher writes and fdatasyncs the buffer every flush_interval or as soon
  // as flush_bytes are pending. A process crash loses acknowledged records not yet handed
  // to the kernel; a power cut loses those not yet covered by a completed fdatasync.
  // The loss bound (kOs and kAsync): every write acknowledged more than 2 x flush_interval
  // before an acknowledgement is durable by then (a writer waits rather than break this),
  // so a crash loses only writes acknowledged within 2 x flush_interval of the last
  // acknowledgement.
  kAsync,
};

// The mode's name as the CLI, the shell and walkv-crash spell it: "sync", "os" or "async".
const char* to_string(CommitMode mode);
// The mode named `name` ("sync", "os", "async"; case-sensitive). False if there is none.
bool parse_commit_mode(std::string_view name, CommitMode* out);

// Which mechanism the async flusher uses to write and fdatasync the log.
enum class IoBackend {
  kAuto,   // io_uring when it can be set up (probed at open), else POSIX; logged once
  kUring,  // io_uring or fail open() with NotSupported
  kPosix,  // pwrite + fdatasync on the flusher thread
};

enum class LogLevel { kInfo, kWarning };

struct Options {
  // Default commit mode of writes that do not say otherwise (WriteOptions::mode).
  CommitMode mode = CommitMode::kSync;

  // Async flusher period: pending log bytes are written and fdatasynced at the latest this
  // long after the first of them was appended. Must be > 0. Sets the loss bound of
  // CommitMode::kOs and kAsync: 2 x flush_interval.
  std::chrono::microseconds flush_interval{5000};

  // Async flusher also starts as soon as this many bytes are pending. Must be > 0 and
  // <= log_buffer_bytes.
  std::size_t flush_bytes = std::size_t{1} << 20;

  // Bound on appended-but-not-yet-written log bytes. When a write would exceed it, the
  // writer waits for the flusher (back-pressure) instead of growing memory. The engine holds
  // at most two such buffers (one being filled, one being written). It also caps the
  // encoded size of one write.
  std::size_t log_buffer_bytes = std::size_t{8} << 20;

  // Size of each WAL segment file. Segments are preallocated and pre-zeroed, never reused,
  // so that a commit's fdatasync never has to update file-system metadata.
  // Must be >= 64 KiB and > log_buffer_bytes + 4 KiB.
  std::uint64_t segment_bytes = std::uint64_t{32} << 20;

  // Write a checkpoint automatically once the live WAL exceeds this many bytes (0: never).
  std::uint64_t checkpoint_wal_bytes = std::uint64_t{256} << 20;

  IoBackend io_backend = IoBackend::kAuto;

  bool create_if_missing = true;

  // Where the engine reports its backend choice (kInfo) and fallbacks or dropped log
  // tails (kWarning). Null: warnings go to stderr prefixed "walkv: ", info is dropped.
  // Called from any engine thread; must be thread-safe and must not call into the DB.
  std::function<void(LogLevel, std::string_view)> logger;

  // Test seam (fault injection, I/O ledger). Null in production: the check costs one branch.
  std::shared_ptr<IoHooks> io_hooks;
};

struct WriteOptions {
  // Overrides Options::mode for this write. A sync write also makes every earlier write
  // durable (log order).
  std::optional<CommitMode> mode;

  // Called exactly once when this write is durable (Status OK) or can never become durable
  // (the error). It runs on an engine thread (the flusher or the committing writer) after
  // the engine's locks are released; it must be quick and must not wait for durability.
  // It is not called if the write itself fails (the write returns the error instead).
  std::function<void(const Status&)> on_durable;
};

struct ScanOptions {
  // Keys starting with prefix (if non-empty) and in [start, end) (end empty: no upper bound),
  // in byte-wise ascending order; at most limit pairs (0: no limit).
  std::string_view prefix;
  std::string_view start;
  std::string_view end;
  std::size_t limit = 0;
};

// Limits enforced on every write (InvalidArgument otherwise).
inline constexpr std::size_t kMaxKeySize = 16 * 1024;          // keys are 1..16 KiB
inline constexpr std::size_t kMaxValueSize = 4 * 1024 * 1024;  // values are 0..4 MiB

}  // namespace walkv
