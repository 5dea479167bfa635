// walkv/db.h — the embeddable key-value engine.
//
// Quick start:
//   auto db = walkv::DB::open("/var/lib/app/kv", walkv::Options{});
//   if (!db.ok()) { std::cerr << db.status().ToString() << "\n"; return 1; }
//   auto lsn = (*db)->put("user:1", "ada");      // durable when it returns (sync mode)
//
// Thread safety: a DB may be used from any number of threads at once without external
// locking — readers and writers alike. Each write gets the next LSN; writes from one thread
// get increasing LSNs. Callbacks (WriteOptions::on_durable, when_durable) run on engine
// threads and must not block on durability.
//
// One DB per directory: open() takes an exclusive lock (flock on DIR/LOCK). A second open
// of the same directory — in this process or another — fails with Status::Busy.
//
// Failure: if a WAL write or fdatasync fails, the DB latches that error. Writers waiting for
// durability get it, later writes get Status::Failed, durability callbacks get it, and
// nothing that was not made durable is ever reported durable. Reads keep working. Reopen to
// recover (recovery replays what is on disk and trims the torn tail).
//
// Lifetime: destroying the DB makes every acknowledged write durable (a final flush), stops
// the engine threads and releases the lock. Values returned by get()/scan() are copies.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "walkv/options.h"
#include "walkv/status.h"
#include "walkv/write_batch.h"

namespace walkv {

// What the last open() found on disk and did about it.
struct RecoveryReport {
  Lsn snapshot_lsn = 0;           // LSN covered by the snapshot loaded (0: none)
  std::uint64_t segments_read = 0;
  std::uint64_t records_replayed = 0;  // WAL records applied after the snapshot
  Lsn last_lsn = 0;               // last LSN recovered
  // The tail recovery dropped (torn, zeroed, bad checksum, stale or out-of-sequence).
  std::uint64_t dropped_bytes = 0;
  std::uint64_t dropped_segment = 0;  // segment number of the first dropped byte (0: none)
  std::uint64_t dropped_offset = 0;   // its offset in that segment file
  std::string dropped_reason;         // e.g. "checksum mismatch", empty if nothing dropped
  // Where the dropped bytes were preserved before they were trimmed: files named
  // dropped-<segment>-<offset>-<n>.bin in the directory, each holding the bytes that were
  // at that offset of that segment (docs/design.md, "Undoing a drop").
  std::vector<std::string> dropped_files;
  // Unreadable bytes that cost no record (inside records the snapshot covers, after a
  // segment's last record), and damaged snapshots passed over for an older one.
  std::vector<std::string> notes;
  double duration_ms = 0;
};

struct Stats {
  std::uint64_t commits = 0;        // writes made durable (WAL records)
  std::uint64_t fsyncs = 0;         // fdatasync calls on WAL segments (both backends)
  std::uint64_t flushes = 0;        // write+sync rounds (each one group commit)
  std::uint64_t bytes_written = 0;  // WAL bytes written
  double commits_per_flush = 0;     // commits / flushes: the group-commit size
  Lsn last_lsn = 0;                 // newest LSN handed out
  Lsn durable_lsn = 0;              // every LSN <= this is durable
  Lsn written_lsn = 0;              // every LSN <= this is in the log file (the kernel)
  std::uint64_t hand_offs = 0;      // write-only rounds that os writers shared
  std::string io_backend;           // "io_uring" or "posix" (the async flusher's)
  std::uint64_t wal_bytes = 0;      // bytes of live WAL since the last checkpoint
  std::uint64_t wal_segments = 0;   // live segment files (excluding the prepared spare)
  std::uint64_t checkpoints = 0;
  Lsn snapshot_lsn = 0;             // LSN covered by the newest snapshot
  std::uint64_t keys = 0;           // live keys in the index
  std::uint64_t backpressure_waits = 0;  // writes that waited for a full log buffer
  bool failed = false;              // an I/O error is latched (see the header comment)
  RecoveryReport recovery;
};

class DB {
 public:
  // Opens (and with create_if_missing creates) the database in `dir`, replaying its
  // snapshot and WAL. Errors: Busy (locked), Corruption (bad bytes in durable data),
  // NotSupported (newer format, or io_backend=kUring without io_uring), InvalidArgument
  // (options), IOError.
  [[nodiscard]] static Result<std::unique_ptr<DB>> open(const std::string& dir,
                                                        const Options& options);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  virtual ~DB() = default;

  // Writes return the write's LSN once it is committed per its mode (see CommitMode).
  // Keys are 1..kMaxKeySize bytes, values 0..kMaxValueSize (InvalidArgument otherwise).
  [[nodiscard]] virtual Result<Lsn> put(std::string_view key, std::string_view value,
                                        const WriteOptions& wo = {}) = 0;
  [[nodiscard]] virtual Result<Lsn> del(std::string_view key, const WriteOptions& wo = {}) = 0;
  // All-or-nothing. An empty batch is InvalidArgument.
  [[nodiscard]] virtual Result<Lsn> write(const WriteBatch& batch,
                                          const WriteOptions& wo = {}) = 0;

  // NotFound when absent. Sees every acknowledged write (sync: once durable).
  [[nodiscard]] virtual Result<std::string> get(std::string_view key) = 0;

  // Ordered scan. fn returns false to stop early. fn runs without engine locks held (pairs
  // are copied out in batches), so it may call into the DB; the scan is not a snapshot:
  // writes made during it may or may not be seen.
  [[nodiscard]] virtual Status scan(
      const ScanOptions& so,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> scan(
      const ScanOptions& so);

  // Makes every write acknowledged so far durable; returns the durable LSN.
  [[nodiscard]] virtual Result<Lsn> sync() = 0;
  // Blocks until `lsn` is durable (OK), the DB fails (its error) or timeout passes
  // (TimedOut). A negative timeout waits forever. REQUIRES: lsn was handed out.
  [[nodiscard]] virtual Status wait_durable(
      Lsn lsn, std::chrono::microseconds timeout = std::chrono::microseconds(-1)) = 0;
  // Every LSN <= the result is durable.
  virtual Lsn durable_lsn() const = 0;

  // Durability notification without a blocked thread: fn(OK) runs once `lsn` is durable
  // (immediately, on this thread, if it already is), fn(error) if the DB fails first.
  virtual void when_durable(Lsn lsn, std::function<void(const Status&)> fn) = 0;
  // The same as a future.
  [[nodiscard]] std::future<Status> durable_future(Lsn lsn);

  // Writes a snapshot of the index (temp file, fsync, rename, directory fsync) and deletes
  // the WAL segments it covers. Returns the LSN the snapshot covers.
  [[nodiscard]] virtual Result<Lsn> checkpoint() = 0;

  virtual Stats stats() const = 0;
};

}  // namespace walkv
