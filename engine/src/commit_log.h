// The commit log: the one place where a write becomes durable. Read this file top to bottom
// with commit_log.cpp to follow a record's way:
//
//   append()   assign the next LSN, encode the record into the in-memory log buffer
//              (the newest pending chunk), all under mu_;
//   commit()   sync writes: wait until durable. If no flush is running, this writer becomes
//              the leader: it takes every pending byte (its own and everybody else's),
//              writes them and fdatasyncs once, publishes the new durable LSN and wakes the
//              followers. Who follows which flush, who leads the next and how long a leader
//              gathers its group is group_commit.h. A lone writer pays no thread hand-off;
//   hand_off() os writes: wait until written to the kernel. If no flush is running, this
//              writer leads a write-only flush of every pending byte (pwrite, no
//              fdatasync); writers that arrive meanwhile wait for it and share the next.
//              The segments written this way are fdatasynced by the next full flush;
//   flusher    async and os writes: a background thread runs the full flush through the
//              async backend (io_uring) every flush_interval after the oldest record not
//              yet durable was appended, or once flush_bytes are pending or written;
//   durable    durable_lsn_ only moves forward, only after a flush fully succeeded, and
//              durability callbacks fire after it moves.
//
// Failure: a failed write or fdatasync latches failure_. Every waiter gets that error, every
// later append is refused, and durable_lsn_ never moves again. (A failure to prepare the
// next segment latches too, after the records already buffered for the current segment have
// been written and synced.) Nothing is retried: after a
// failed fdatasync the page cache may already have dropped the dirty pages (PostgreSQL's
// 2018 fsync lesson), so a retry could report success for data that is gone.
//
// Thread safety: all public methods are safe to call concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adaptive_mutex.h"
#include "file_io.h"
#include "flush_backend.h"
#include "bug_switch.h"
#include "group_commit.h"
#include "live_segments.h"
#include "log_start.h"
#include "notifier.h"
#include "segment.h"
#include "walkv/options.h"

namespace walkv {

struct CommitLogStats {
  std::uint64_t commits = 0, fsyncs = 0, flushes = 0, bytes_written = 0;
  std::uint64_t hand_offs = 0;  // write-only flushes led by os writers
  std::uint64_t backpressure_waits = 0;
  std::uint64_t wal_bytes = 0, wal_segments = 0;
};

class CommitLog {
 public:
  struct Config {
    std::chrono::microseconds flush_interval;
    std::size_t flush_bytes;
    std::size_t log_buffer_bytes;
    std::uint64_t segment_bytes;
    IoHooks* hooks;  // only for bug_switch.h in the test build
  };
  using Start = LogStart;

  CommitLog(Config config, SegmentManager& segments, Notifier& notifier,
            std::unique_ptr<FlushBackend> async_backend,
            std::unique_ptr<FlushBackend> sync_backend, Start start);
  ~CommitLog();
  CommitLog(const CommitLog&) = delete;
  CommitLog& operator=(const CommitLog&) = delete;

  void start_flusher();
  // Flushes what is pending and stops the flusher. REQUIRES: no concurrent writers.
  Status stop();

  // What a writer holds between append() and its acknowledgement: its record's LSN, what
  // it must do before acknowledging, and its place among the writes in flight, released
  // when the ticket is destroyed — on every path, so a checkpoint's quiesce() is never
  // left waiting. Move-only.
  class Ticket {
   public:
    Ticket(Ticket&& o) noexcept : log_(std::exchange(o.log_, nullptr)), lsn_(o.lsn_),
                                  wait_(o.wait_) {}
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket() {
      if (log_) log_->write_done();
    }
    Lsn lsn() const { return lsn_; }
    // What the writer must wait for before acknowledging.
    enum class Wait {
      kNothing,  // async: the record is in the log buffer
      kKernel,   // os: hand_off(lsn()) — written to the file
      kDurable,  // sync, or os/async that would otherwise break the loss bound: commit(lsn())
    };
    Wait wait() const { return wait_; }

   private:
    friend class CommitLog;
    Ticket(CommitLog* log, Lsn lsn, Wait wait) : log_(log), lsn_(lsn), wait_(wait) {}
    CommitLog* log_;
    Lsn lsn_;
    Wait wait_;
  };

  // Appends one record holding `payload` (an encoded, validated WriteBatch) in `mode`.
  // Blocks for back-pressure, checkpoint quiescing or a segment switch. Returns the
  // writer's ticket, or the latched failure. An os or async ticket must commit when the oldest
  // record not yet durable was appended more than kAsyncBoundIntervals flush_intervals
  // ago (the flusher is not getting the CPU, or its flush is slow or stuck). Time-based
  // back-pressure: an async write is never acknowledged while a write older than that
  // bound is not durable, whatever the scheduler does (docs/design.md, "Commit modes").
  Result<Ticket> append(std::string_view payload, CommitMode mode);
  // How many flush_intervals an acknowledged async write may stay not durable.
  static constexpr int kAsyncBoundIntervals = 2;

  // Returns once `lsn` is durable, leading a flush if none is running (group commit).
  Status commit(Lsn lsn);
  // Returns once `lsn` and every earlier record are written to the log file (not
  // necessarily durable), leading a write-only flush if no flush is running.
  Status hand_off(Lsn lsn);
  // Waits (without flushing) until `lsn` is durable, the log fails, or the timeout passes.
  Status wait_durable(Lsn lsn, std::chrono::microseconds timeout);
  // Makes every appended record durable; returns the durable LSN.
  Result<Lsn> sync();

  Lsn durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }
  // Every record up to it is in the log file (in the kernel), durable or not.
  Lsn written_lsn() const;
  const std::atomic<Lsn>& durable_lsn_ref() const { return durable_lsn_; }
  Lsn last_lsn() const;
  Status failure() const;
  const char* async_backend_name() const { return async_backend_->name(); }
  CommitLogStats stats() const;

  // Checkpoint support. quiesce() blocks new appends, waits until every in-flight write has
  // been applied and returns the last LSN; resume() lets appends go on.
  Lsn quiesce();
  void resume();
  // Forgets live segments whose records are all <= lsn (never the current one) and
  // returns their paths for deletion.
  std::vector<std::string> release_covered(Lsn lsn);
  // The lowest segment number still in the log (closed or current).
  std::uint64_t first_live_segment() const;
  // Called (without locks) when the current segment fills up; for auto-checkpoints.
  void set_on_roll(std::function<void()> fn) { on_roll_ = std::move(fn); }

 private:
  struct PendingChunk {
    std::shared_ptr<Segment> segment;
    std::uint64_t offset = 0;  // file offset of bytes[0]
    std::string bytes;
  };
  // REQUIRES: lk holds mu_ and !flushing_. Writes everything pending through `backend` and,
  // if `sync`, fdatasyncs it together with the segments earlier write-only flushes wrote;
  // returns with lk held. Fires durability callbacks with the lock released.
  void flush_locked(std::unique_lock<AdaptiveMutex>& lk, FlushBackend& backend,
                    bool sync = true);
  // REQUIRES: mu_ held. Whether the flusher has work: async bytes pending, or bytes written
  // by write-only flushes and not yet synced.
  bool flusher_work_locked() const;
  // REQUIRES: mu_ held. A flush runs, or a sync leader holds the lead while it gathers: no
  // other flush may start.
  bool busy_locked() const { return flushing_ || group_.gathering(); }
  // REQUIRES: lk holds mu_. Switches to the next segment (releasing mu_ while waiting for
  // it); on failure latches it after flushing what is buffered. Returns with lk held.
  Status roll_locked(std::unique_lock<AdaptiveMutex>& lk);
  void latch_failure_locked(const Status& s);
  // A log buffer for a new pending chunk, with room for at least `need` bytes: a reused
  // one, or one reserved up front at chunk_capacity(). Appends never grow a buffer past
  // what it was reserved with (append() starts a new chunk instead).
  std::string take_buffer_locked(std::size_t need);
  std::size_t chunk_capacity() const;
  static constexpr std::size_t kKeptBuffers = 4;
  void flusher_main();
  bool bug(Bug b) const;
  // The ticket's end: the writer has applied its write, or given up on it.
  void write_done();

  const Config config_;
  SegmentManager& segments_;
  Notifier& notifier_;
  std::unique_ptr<FlushBackend> async_backend_;
  std::unique_ptr<FlushBackend> sync_backend_;
  std::function<void()> on_roll_;

  mutable AdaptiveMutex mu_;
  AdaptiveCondVar durable_cv_;  // durability advanced, or the log failed
  AdaptiveCondVar space_cv_;    // buffer space freed, or appends resumed
  AdaptiveCondVar flusher_cv_;  // async bytes pending, or stop
  AdaptiveCondVar quiesce_cv_;  // in-flight writes drained

  // All GUARDED_BY(mu_) unless atomic.
  Lsn last_lsn_;
  std::shared_ptr<Segment> current_;
  std::uint64_t write_offset_;          // next record's offset in current_
  // The log buffer: appended, not yet handed to a flush. Chunks of one segment follow one
  // another in the file; a new chunk starts at a segment switch or when a buffer is full.
  std::vector<PendingChunk> pending_;
  std::size_t pending_bytes_ = 0;
  bool pending_async_ = false;          // pending_ holds an async write: the flusher's job
  int space_waiters_ = 0;               // appenders waiting for room in the log buffer
  bool rolling_ = false;                // an appender is switching to the next segment
  std::chrono::steady_clock::time_point first_pending_;
  // When the oldest record that is not yet durable was appended; unset when all are.
  std::optional<std::chrono::steady_clock::time_point> unsynced_since_;
  std::vector<std::string> free_buffers_;  // flushed chunks' buffers, kept for reuse
  bool flushing_ = false;               // a flush runs
  std::uint64_t flushes_started_ = 0;   // sequence number of the latest flush begun
  Lsn flush_target_ = 0;                // the last LSN the running flush makes durable
  GroupCommit group_;
  // Written by write-only flushes (os writes) and not yet covered by a started full flush:
  // the next full flush fdatasyncs these segments (in order) even if it writes nothing to
  // them. written_lsn_ is the last LSN in the file.
  std::vector<std::shared_ptr<Segment>> written_unsynced_;
  std::size_t written_unsynced_bytes_ = 0;
  std::atomic<Lsn> written_lsn_;        // written under mu_; hand_off() spins on it
  std::atomic<std::uint64_t> flushes_done_{0};  // flushes ended (under mu_)
  AdaptiveCondVar written_cv_;          // a flush ended: hand_off() waiters look again
  int hand_off_waiters_ = 0;
  Status failure_;
  bool stop_ = false;
  bool quiescing_ = false;
  std::atomic<std::uint64_t> in_flight_{0};
  std::atomic<bool> quiesce_waiting_{false};
  LiveSegments closed_;
  CommitLogStats stats_;
  std::atomic<Lsn> durable_lsn_;

  std::thread flusher_;
};

}  // namespace walkv
