#include "commit_log.h"

#include <algorithm>
#include <utility>

#include "record_format.h"

namespace walkv {

using Clock = std::chrono::steady_clock;

CommitLog::CommitLog(Config config, SegmentManager& segments, Notifier& notifier,
                     std::unique_ptr<FlushBackend> async_backend,
                     std::unique_ptr<FlushBackend> sync_backend, Start start)
    : config_(config),
      segments_(segments),
      notifier_(notifier),
      async_backend_(std::move(async_backend)),
      sync_backend_(std::move(sync_backend)),
      last_lsn_(start.last_lsn),
      current_(std::move(start.tail)),
      write_offset_(start.tail_offset),
      written_lsn_(start.last_lsn),
      closed_(std::move(start.closed)),
      durable_lsn_(start.last_lsn) {
}

CommitLog::~CommitLog() { (void)stop(); }

bool CommitLog::bug([[maybe_unused]] Bug b) const {
#ifdef WALKV_INJECT_BUGS
  return bug_injected(config_.hooks, b);
#else
  return false;
#endif
}

// ---- 1. append: LSN, encode, buffer -------------------------------------------------------

Result<CommitLog::Ticket> CommitLog::append(std::string_view payload, CommitMode mode) {
  const std::size_t need = format::record_size(payload.size());
  // async and os writes are acknowledged before they are durable; only async ones wait for
  // the flusher to write them.
  bool async = mode != CommitMode::kSync;
  bool flusher_writes = mode == CommitMode::kAsync;
  if (bug(Bug::kAckBeforeSync)) async = flusher_writes = true;  // test build only
  std::unique_lock lk(mu_);
  bool waited = false;
  bool rolled = false;
  while (true) {
    if (!failure_.ok()) return Status::Failed("write refused after an earlier I/O error: " +
                                              failure_.message());
    if (stop_) return Status::Failed("database is closing");
    const bool fits = pending_bytes_ == 0 || pending_bytes_ + need <= config_.log_buffer_bytes;
    if (!fits) {
      if (!waited) ++stats_.backpressure_waits;
      waited = true;
      pending_async_ = true;  // the flusher drains the buffer now, not at its deadline
      flusher_cv_.notify_one();
      ++space_waiters_;
      space_cv_.wait(lk);
      --space_waiters_;
      continue;
    }
    if (quiescing_ || rolling_) {  // a checkpoint's cut, or another writer switching segment
      space_cv_.wait(lk);
      continue;
    }
    if (write_offset_ + need <= current_->size) break;
    if (Status s = roll_locked(lk); !s.ok()) return s;
    rolled = true;
  }

  const Lsn lsn = ++last_lsn_;
  // A chunk's buffer never grows: a record that does not fit starts the next chunk (at the
  // next offset of the same segment), so an append never copies megabytes of buffered log
  // into a larger block, page-faulting, under mu_.
  if (pending_.empty() || pending_.back().segment != current_ ||
      pending_.back().bytes.size() + need > pending_.back().bytes.capacity()) {
    PendingChunk c;
    c.segment = current_;
    c.offset = write_offset_;
    c.bytes = take_buffer_locked(need);
    pending_.push_back(std::move(c));
  }
  format::append_record(&pending_.back().bytes, current_->salt, lsn, durable_lsn(), payload);
  const std::uint64_t half = current_->size / 2;
  if (write_offset_ < half && write_offset_ + need >= half) segments_.request_spare();
  write_offset_ += need;
  bool overdue = false;
  if (pending_bytes_ == 0 || !unsynced_since_ || async) {  // a sync write needs no clock
    const auto now = Clock::now();
    if (pending_bytes_ == 0) first_pending_ = now;
    if (!unsynced_since_) {
      unsynced_since_ = now;
    } else if (async && !bug(Bug::kAckBeforeSync)) {
      overdue = now - *unsynced_since_ > kAsyncBoundIntervals * config_.flush_interval;
    }
  }
  pending_bytes_ += need;
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  bool wake = false;
  if (flusher_writes) {
    // Wake the flusher when its deadline starts and when the byte threshold is crossed;
    // other async appends cost it nothing.
    wake = !pending_async_ || (pending_bytes_ >= config_.flush_bytes &&
                               pending_bytes_ - need < config_.flush_bytes);
    pending_async_ = true;
  }
  lk.unlock();
  // After unlocking: a flusher woken under mu_ would only block on it again.
  if (wake) flusher_cv_.notify_one();
  if (rolled && on_roll_) on_roll_();
  using Wait = Ticket::Wait;
  if (!async || overdue) return Ticket(this, lsn, Wait::kDurable);
  return Ticket(this, lsn, flusher_writes ? Wait::kNothing : Wait::kKernel);
}

Status CommitLog::roll_locked(std::unique_lock<AdaptiveMutex>& lk) {
  // The current segment is full. Its records stay in pending_ (the chunk keeps the segment
  // alive) and are flushed before the new segment's, in order. mu_ is released while the
  // spare is finished, so the flusher keeps writing what is buffered; rolling_ holds other
  // appenders back so that LSN order stays file order.
  rolling_ = true;
  lk.unlock();
  auto next = segments_.take_next();
  lk.lock();
  rolling_ = false;
  space_cv_.notify_all();
  if (!next.ok()) {
    // No new record can be placed. Refuse further writes, but first write out what is
    // buffered: it fits in the current segment, and async writers were told it is in.
    Status s = next.status();
    latch_failure_locked(s);
    while (busy_locked()) durable_cv_.wait(lk);
    if (pending_bytes_ > 0 || !written_unsynced_.empty()) flush_locked(lk, *sync_backend_);
    return s;
  }
  closed_.close({current_->number, current_->path, last_lsn_, write_offset_});
  current_ = std::move(next.value());
  write_offset_ = format::kSegmentHeaderSize;
  return Status::OK();
}

void CommitLog::write_done() {
  // Only a checkpoint waiting in quiesce() needs to hear about the count reaching zero.
  // seq_cst on both atomics: either quiesce() sees the zero, or this sees its flag.
  if (in_flight_.fetch_sub(1) == 1 && quiesce_waiting_.load()) {
    std::lock_guard lk(mu_);
    quiesce_cv_.notify_all();
  }
}

// ---- 2. commit: group commit for sync writes ----------------------------------------------

Status CommitLog::commit(Lsn lsn) {
  // Test build only: acknowledge at once and leave the record to the flusher — exactly
  // the bug the crash checker must catch.
  if (bug(Bug::kAckBeforeSync)) return Status::OK();
  std::unique_lock lk(mu_);
  while (true) {
    if (durable_lsn() >= lsn) return Status::OK();
    if (!failure_.ok()) return failure_;
    if (!busy_locked()) {
      const bool lead =
          group_.gather(lk, flushes_started_ + 1, [&] { return !failure_.ok() || stop_; });
      if (!lead) continue;  // the writer that completed the group leads
      if (durable_lsn() >= lsn) return Status::OK();
      if (!failure_.ok()) {
        durable_cv_.notify_all();  // a roll waiting for the lead to end may go on
        return failure_;
      }
      flush_locked(lk, *sync_backend_);  // lead: flush everyone's pending bytes
      continue;
    }
    // The running flush took every pending byte when it began: it covers this record,
    // or else the next flush will.
    const bool covered = !group_.gathering() && lsn <= flush_target_;
    const std::uint64_t seq = covered ? flushes_started_ : flushes_started_ + 1;
    switch (group_.wait(lk, covered, seq)) {
      case GroupCommit::Turn::kLead:
        flush_locked(lk, *sync_backend_);
        break;
      case GroupCommit::Turn::kAgain:
        break;
      case GroupCommit::Turn::kWoken:
        if (durable_lsn() >= lsn) return Status::OK();  // the common wake: no need for mu_
        lk.lock();
        break;
    }
  }
}

// ---- 2b. hand_off: os writes share a write-only flush ---------------------------------------

namespace {
// ~1,000 pause instructions: tens of microseconds, longer than a small pwrite.
constexpr int kHandOffSpins = 1000;
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}
}  // namespace

Status CommitLog::hand_off(Lsn lsn) {
  std::unique_lock lk(mu_);
  while (true) {
    if (written_lsn_.load(std::memory_order_relaxed) >= lsn) return Status::OK();
    if (!failure_.ok()) return failure_;
    if (!busy_locked()) {
      // Lead: write everyone's pending bytes. Writers arriving meanwhile wait below and
      // share the next one — a group pwrite, as sync writers share an fdatasync.
      flush_locked(lk, *sync_backend_, /*sync=*/false);
      continue;
    }
    // The running flush (write-only or full) writes every record appended before it began.
    // A write-only flush is one pwrite into the page cache, a few microseconds: spin for its
    // end first, since sleeping and being woken cost more; then sleep.
    const std::uint64_t seen = flushes_done_.load(std::memory_order_relaxed);
    lk.unlock();
    bool ended = false;
    for (int i = 0; i < kHandOffSpins && !ended; ++i) {
      ended = flushes_done_.load(std::memory_order_acquire) != seen;
      if (!ended) cpu_relax();
    }
    lk.lock();
    if (ended || flushes_done_.load(std::memory_order_relaxed) != seen) continue;
    ++hand_off_waiters_;
    written_cv_.wait(lk);
    --hand_off_waiters_;
  }
}

std::size_t CommitLog::chunk_capacity() const {
  return std::min(config_.log_buffer_bytes, config_.flush_bytes + config_.flush_bytes / 4);
}

std::string CommitLog::take_buffer_locked(std::size_t need) {
  if (!free_buffers_.empty() && free_buffers_.back().capacity() >= need) {
    std::string b = std::move(free_buffers_.back());
    free_buffers_.pop_back();
    b.clear();
    return b;
  }
  std::string b;
  b.reserve(std::max(need, chunk_capacity()));
  return b;
}

// ---- 3. flush: write + fdatasync, then publish the durable LSN ----------------------------

void CommitLog::flush_locked(std::unique_lock<AdaptiveMutex>& lk, FlushBackend& backend,
                             bool sync) {
  flushing_ = true;
  const std::uint64_t seq = ++flushes_started_;
  std::vector<PendingChunk> batch;
  batch.swap(pending_);
  const Lsn target = last_lsn_;
  // What this flush makes durable: sync writers up to it follow it, the others queue for
  // the next one. A write-only flush makes nothing durable.
  flush_target_ = sync ? target : durable_lsn();
  // Segments that write-only flushes wrote: a full flush syncs them first (a chunk with no
  // bytes asks the backend only for the fdatasync), in log order, before this batch's.
  std::vector<std::shared_ptr<Segment>> to_sync;
  if (sync) {
    to_sync.swap(written_unsynced_);
    written_unsynced_bytes_ = 0;
  }
  const Lsn before = durable_lsn();
  const std::size_t bytes = pending_bytes_;
  pending_bytes_ = 0;
  pending_async_ = false;
  space_cv_.notify_all();  // the buffer is empty again: back-pressured writers may go on

  lk.unlock();
  std::vector<FlushChunk> chunks;
  chunks.reserve(to_sync.size() + batch.size());
  for (const auto& seg : to_sync) chunks.push_back({seg.get(), 0, {}});
  for (const auto& c : batch) chunks.push_back({c.segment.get(), c.offset, c.bytes});
  std::uint64_t fsyncs = 0;
  const auto started = Clock::now();
  Status s = chunks.empty() ? Status::OK()
             : sync         ? backend.write_and_sync(chunks, &fsyncs)
                            : backend.write(chunks);
  const auto done = Clock::now();
  const auto took = done - started;
  lk.lock();

  flushing_ = false;
  flushes_done_.fetch_add(1, std::memory_order_release);
  stats_.fsyncs += fsyncs;
  bool wake_flusher = pending_async_;
  if (s.ok() && !sync) {
    ++stats_.hand_offs;
    stats_.bytes_written += bytes;
    written_lsn_.store(target, std::memory_order_release);
    // The flusher's deadline runs from the oldest record not yet durable; it hears of
    // written bytes when there were none, and when they cross flush_bytes.
    wake_flusher = wake_flusher || written_unsynced_.empty() ||
                   (written_unsynced_bytes_ < config_.flush_bytes &&
                    written_unsynced_bytes_ + bytes >= config_.flush_bytes);
    for (const auto& c : batch) {
      if (written_unsynced_.empty() || written_unsynced_.back() != c.segment)
        written_unsynced_.push_back(c.segment);
    }
    written_unsynced_bytes_ += bytes;
  } else if (s.ok()) {
    ++stats_.flushes;
    stats_.commits += target - before;
    stats_.bytes_written += bytes;
    durable_lsn_.store(target, std::memory_order_seq_cst);  // before empty(): Notifier::add
    if (written_lsn_.load(std::memory_order_relaxed) < target)
      written_lsn_.store(target, std::memory_order_release);
    // Records appended while this flush ran are the oldest not yet durable.
    if (last_lsn_ == target) {
      unsynced_since_.reset();
    } else {
      unsynced_since_ = first_pending_;
    }
  } else {
    latch_failure_locked(s);
  }
  // Keep the buffers for reuse, so that appends fill memory already faulted in: one is
  // filled while another is flushed, and a segment switch or a slow flush needs a few more.
  // A buffer made for one record larger than a chunk is dropped.
  for (auto& c : batch) {
    if (free_buffers_.size() < kKeptBuffers && c.bytes.capacity() < 2 * chunk_capacity())
      free_buffers_.push_back(std::move(c.bytes));
  }
  durable_cv_.notify_all();  // wait_durable() callers and barriers (not sync writers)
  if (hand_off_waiters_ > 0) written_cv_.notify_all();
  if (wake_flusher) flusher_cv_.notify_one();
  const bool sync_flush = &backend == sync_backend_.get();
  const GroupCommit::Wake wake = group_.flushed(
      seq, sync, sync_flush, chunks.empty() ? std::chrono::nanoseconds(0) : took);
  const bool fire = sync && s.ok() && !notifier_.empty();
  if (!wake.group && !wake.leader && !fire) return;
  lk.unlock();
  GroupCommit::wake(wake);
  if (fire) notifier_.fire_upto(target);
  lk.lock();
}

void CommitLog::latch_failure_locked(const Status& s) {
  if (!failure_.ok()) return;
  failure_ = s;
  group_.fail_all();  // every sleeping sync writer wakes and finds failure_ (under mu_)
  durable_cv_.notify_all();
  written_cv_.notify_all();
  space_cv_.notify_all();
  flusher_cv_.notify_all();
  // Callbacks must not run under mu_: the flusher thread delivers them (see flusher_main).
}

void CommitLog::flusher_main() {
  std::unique_lock lk(mu_);
  bool failure_reported = false;
  while (true) {
    if (!failure_.ok() && !failure_reported) {
      failure_reported = true;
      Status f = failure_;
      lk.unlock();
      notifier_.fail_all(f);
      lk.lock();
      continue;
    }
    bool work = flusher_work_locked();
    if (stop_ && (!work || busy_locked())) {
      if (!busy_locked()) return;
      durable_cv_.wait(lk);
      continue;
    }
    if (!work || busy_locked()) {
      flusher_cv_.wait(lk);
      continue;
    }
    // From the oldest record not yet durable: written-only records count from their append.
    const auto deadline = unsynced_since_.value_or(first_pending_) + config_.flush_interval;
    if (!stop_ && space_waiters_ == 0 &&
        pending_bytes_ + written_unsynced_bytes_ < config_.flush_bytes &&
        Clock::now() < deadline) {
      flusher_cv_.wait_until(lk, deadline);
      continue;
    }
    flush_locked(lk, *async_backend_);
  }
}

bool CommitLog::flusher_work_locked() const {
  return failure_.ok() &&
         ((pending_async_ && pending_bytes_ > 0) || !written_unsynced_.empty());
}

void CommitLog::start_flusher() { flusher_ = std::thread([this] { flusher_main(); }); }

Status CommitLog::stop() {
  {
    std::unique_lock lk(mu_);
    if (stop_ && !flusher_.joinable()) return failure_;
    stop_ = true;
    pending_async_ = pending_bytes_ > 0;  // the flusher drains everything before exiting
    flusher_cv_.notify_all();
    space_cv_.notify_all();
  }
  if (flusher_.joinable()) flusher_.join();
  std::unique_lock lk(mu_);
  if (failure_.ok() && (pending_bytes_ > 0 || !written_unsynced_.empty()))
    flush_locked(lk, *sync_backend_);
  Status f = failure_;
  lk.unlock();
  if (!f.ok()) notifier_.fail_all(f);
  return f;
}

// ---- waiting and barriers -----------------------------------------------------------------

Status CommitLog::wait_durable(Lsn lsn, std::chrono::microseconds timeout) {
  std::unique_lock lk(mu_);
  if (lsn > last_lsn_) return Status::InvalidArgument("wait_durable: LSN " + std::to_string(lsn) +
                                                      " has not been handed out");
  auto done = [&] { return durable_lsn() >= lsn || !failure_.ok(); };
  if (timeout.count() < 0) {
    durable_cv_.wait(lk, done);
  } else if (!durable_cv_.wait_for(lk, timeout, done)) {
    return Status::TimedOut("LSN " + std::to_string(lsn) + " not durable within " +
                            std::to_string(timeout.count()) + "us");
  }
  return durable_lsn() >= lsn ? Status::OK() : failure_;
}

Result<Lsn> CommitLog::sync() {
  Lsn target = last_lsn();
  if (Status s = commit(target); !s.ok()) return s;
  return durable_lsn();
}

Lsn CommitLog::written_lsn() const { return written_lsn_.load(std::memory_order_acquire); }

Lsn CommitLog::last_lsn() const {
  std::lock_guard lk(mu_);
  return last_lsn_;
}

Status CommitLog::failure() const {
  std::lock_guard lk(mu_);
  return failure_;
}

CommitLogStats CommitLog::stats() const {
  std::lock_guard lk(mu_);
  CommitLogStats s = stats_;
  s.wal_bytes = closed_.bytes() + write_offset_;
  s.wal_segments = closed_.count() + 1;
  return s;
}

// ---- checkpoint support -------------------------------------------------------------------

Lsn CommitLog::quiesce() {
  std::unique_lock lk(mu_);
  quiescing_ = true;
  quiesce_waiting_.store(true);
  quiesce_cv_.wait(lk, [&] { return in_flight_.load() == 0; });
  quiesce_waiting_.store(false);
  return last_lsn_;
}

void CommitLog::resume() {
  std::lock_guard lk(mu_);
  quiescing_ = false;
  space_cv_.notify_all();
}

std::uint64_t CommitLog::first_live_segment() const {
  std::lock_guard lk(mu_);
  return closed_.first_number(current_->number);
}

std::vector<std::string> CommitLog::release_covered(Lsn lsn) {
  std::lock_guard lk(mu_);
  return closed_.release_covered(lsn, durable_lsn());
}

}  // namespace walkv
