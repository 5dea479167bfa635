// The commit log: the one place where a write becomes durable. Read this file top to bottom
// with commit_log.cpp to follow a record's way:
//
//   append()   assign the next LSN, encode the record into the in-memory log buffer
//              (the newest pending chunk), all under mu_;
//   commit()   sync writes: wait until durable. If no flush is running, this writer becomes
//              the leader: it takes every pending byte (its own and everybody else's),
//              writes them and fdatasyncs once, publishes the new durable LSN and wakes the
//              followers. Each follower sleeps on the futex word of the flush that will
//              cover its record (the running one, or the next), so a finished flush wakes
//              its whole group with one system call; the first writer to queue for the
//              next flush sleeps on its own slot instead and is woken first, to lead it.
//              A lone writer pays no thread hand-off at all. Before it flushes, a leader
//              waits briefly for the writers the previous flush released (gather_locked),
//              so that many writers share each fdatasync instead of settling into two
//              half-size groups that alternate. The writer that completes the group leads
//              the flush itself, on the CPU it already has, and the gathering leader
//              becomes a follower: waking that leader to flush cost a wake-up per cycle;
//   flusher    async writes: a background thread runs the same flush through the async
//              backend (io_uring) every flush_interval or once flush_bytes are pending;
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
#include "live_segments.h"
#include "log_start.h"
#include "notifier.h"
#include "segment.h"
#include "wait_slot.h"
#include "walkv/options.h"

namespace walkv {

struct CommitLogStats {
  std::uint64_t commits = 0, fsyncs = 0, flushes = 0, bytes_written = 0;
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
    IoHooks* hooks;  // only for IoHooks::inject_bug in the test build
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
                                  must_commit_(o.must_commit_) {}
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket() {
      if (log_) log_->write_done();
    }
    Lsn lsn() const { return lsn_; }
    // commit(lsn()) before acknowledging: a sync write, or an async write that would
    // otherwise break the loss bound.
    bool must_commit() const { return must_commit_; }

   private:
    friend class CommitLog;
    Ticket(CommitLog* log, Lsn lsn, bool must_commit)
        : log_(log), lsn_(lsn), must_commit_(must_commit) {}
    CommitLog* log_;
    Lsn lsn_;
    bool must_commit_;
  };

  // Appends one record holding `payload` (an encoded, validated WriteBatch) in `mode`.
  // Blocks for back-pressure, checkpoint quiescing or a segment switch. Returns the
  // writer's ticket, or the latched failure. An async ticket must commit when the oldest
  // record not yet durable was appended more than kAsyncBoundIntervals flush_intervals
  // ago (the flusher is not getting the CPU, or its flush is slow or stuck). Time-based
  // back-pressure: an async write is never acknowledged while a write older than that
  // bound is not durable, whatever the scheduler does (docs/design.md, "Commit modes").
  Result<Ticket> append(std::string_view payload, CommitMode mode);
  // How many flush_intervals an acknowledged async write may stay not durable.
  static constexpr int kAsyncBoundIntervals = 2;

  // Returns once `lsn` is durable, leading a flush if none is running (group commit).
  Status commit(Lsn lsn);
  // Waits (without flushing) until `lsn` is durable, the log fails, or the timeout passes.
  Status wait_durable(Lsn lsn, std::chrono::microseconds timeout);
  // Makes every appended record durable; returns the durable LSN.
  Result<Lsn> sync();

  Lsn durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }
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
  // REQUIRES: lk holds mu_ and !flushing_. Writes and syncs everything pending through
  // `backend`; returns with lk held. Fires durability callbacks with the lock released.
  void flush_locked(std::unique_lock<AdaptiveMutex>& lk, FlushBackend& backend);
  // REQUIRES: lk holds mu_. Switches to the next segment (releasing mu_ while waiting for
  // it); on failure latches it after flushing what is buffered. Returns with lk held.
  Status roll_locked(std::unique_lock<AdaptiveMutex>& lk);
  void latch_failure_locked(const Status& s);
  // REQUIRES: lk holds mu_ and !flushing_; the caller is a sync writer about to lead a
  // flush. When the last flush made more sync writers durable than have queued for this
  // one, they are most likely on their way back: wait (holding the lead, so none of them
  // starts a flush of its own) until they have queued or half a flush's time has passed.
  // The target adapts: a writer that does not come back shrinks the next group. The writer
  // that completes the group leads the flush itself (see commit()): then this returns false
  // and the caller waits as a follower; true means the caller leads.
  bool gather_locked(std::unique_lock<AdaptiveMutex>& lk);
  // REQUIRES: mu_ held. Moves the futex word of flush `seq`'s followers on, so that none of
  // them sleeps again, and forgets their count. Returns whether any follower may be asleep:
  // then the caller issues futex::wake on that word (after releasing mu_ where it can).
  bool release_group_locked(std::uint64_t seq);
  // A log buffer for a new pending chunk, with room for at least `need` bytes: a reused
  // one, or one reserved up front at chunk_capacity(). Appends never grow a buffer past
  // what it was reserved with (append() starts a new chunk instead).
  std::string take_buffer_locked(std::size_t need);
  std::size_t chunk_capacity() const;
  static constexpr std::size_t kKeptBuffers = 4;
  void flusher_main();
  bool bug(IoHooks::Bug b) const;
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
  bool flushing_ = false;               // a flush runs, or its leader gathers
  bool gathering_ = false;              // flushing_ is set by a leader in gather_locked
  std::uint64_t gathers_ = 0;           // gathers begun
  std::uint64_t gathers_taken_ = 0;     // the latest gather whose group's last writer led
  std::uint64_t flushes_started_ = 0;   // sequence number of the latest flush begun
  Lsn flush_target_ = 0;                // the last LSN the running flush covers
  // Followers of flush k sleep on group_word_[k % 2]: only the running flush and the next
  // one can have followers. group_size_ counts them, to skip a needless wake call.
  std::atomic<std::uint32_t> group_word_[2] = {0, 0};
  std::uint32_t group_size_[2] = {0, 0};
  WaitSlot* next_leader_ = nullptr;     // leads the flush after the running one
  std::size_t last_group_ = 0;          // sync writers the last flush made durable
  std::chrono::nanoseconds flush_time_{0};  // moving average of a sync flush's duration
  AdaptiveCondVar gather_cv_;           // the gathering leader's group is complete
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
