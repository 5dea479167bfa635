#include "commit_log.h"

#include <algorithm>
#include <utility>

#include "record_format.h"

namespace walkv {

using Clock = std::chrono::steady_clock;

// A gathering leader never waits longer than this, however slow the disk's last flushes.
constexpr std::chrono::nanoseconds kMaxGather = std::chrono::milliseconds(1);

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
      closed_(std::move(start.closed)),
      durable_lsn_(start.last_lsn) {
}

CommitLog::~CommitLog() { (void)stop(); }

bool CommitLog::bug([[maybe_unused]] IoHooks::Bug b) const {
#ifdef WALKV_INJECT_BUGS
  return config_.hooks && config_.hooks->inject_bug(b);
#else
  return false;
#endif
}

// ---- 1. append: LSN, encode, buffer -------------------------------------------------------

Result<CommitLog::Ticket> CommitLog::append(std::string_view payload, CommitMode mode) {
  const std::size_t need = format::record_size(payload.size());
  bool async = mode == CommitMode::kAsync;
  if (bug(IoHooks::Bug::kAckBeforeSync)) async = true;  // test build only: see commit()
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
    } else if (async && !bug(IoHooks::Bug::kAckBeforeSync)) {
      overdue = now - *unsynced_since_ > kAsyncBoundIntervals * config_.flush_interval;
    }
  }
  pending_bytes_ += need;
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  bool wake = false;
  if (async) {
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
  return Ticket(this, lsn, !async || overdue);
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
    while (flushing_) durable_cv_.wait(lk);
    if (pending_bytes_ > 0) flush_locked(lk, *sync_backend_);
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
  if (bug(IoHooks::Bug::kAckBeforeSync)) return Status::OK();
  std::unique_lock lk(mu_);
  while (true) {
    if (durable_lsn() >= lsn) return Status::OK();
    if (!failure_.ok()) return failure_;
    if (!flushing_) {
      if (!gather_locked(lk)) continue;  // the writer that completed the group leads
      if (durable_lsn() >= lsn) return Status::OK();
      if (!failure_.ok()) return failure_;
      flush_locked(lk, *sync_backend_);  // lead: flush everyone's pending bytes
      continue;
    }
    // The running flush took every pending byte when it began: it covers this record,
    // or else the next flush will.
    const bool covered = !gathering_ && lsn <= flush_target_;
    if (!covered && !gathering_ && next_leader_ == nullptr) {
      // Nobody leads the next flush yet: this writer will, once the running one ends.
      WaitSlot slot;
      next_leader_ = &slot;
      lk.unlock();
      slot.wait();
      lk.lock();
      continue;
    }
    const std::uint64_t seq = covered ? flushes_started_ : flushes_started_ + 1;
    if (gathering_ && group_size_[seq % 2] + 2 >= last_group_) {
      // This writer completes the group a leader gathers: it flushes at once, on the CPU it
      // already has, instead of waking the gathering leader to do it. That leader wakes
      // (off the flush's way) to wait as a follower.
      gathers_taken_ = gathers_;
      gathering_ = false;
      flushing_ = false;  // flush_locked takes it over; the gatherer leaves it alone
      gather_cv_.notify_all();
      flush_locked(lk, *sync_backend_);
      continue;
    }
    std::atomic<std::uint32_t>& word = group_word_[seq % 2];
    const std::uint32_t seen = word.load(std::memory_order_relaxed);
    ++group_size_[seq % 2];
    lk.unlock();
    while (word.load(std::memory_order_acquire) == seen) futex::wait(word, seen);
    if (durable_lsn() >= lsn) return Status::OK();  // the common wake: no need for mu_
    lk.lock();
  }
}

bool CommitLog::gather_locked(std::unique_lock<AdaptiveMutex>& lk) {
  const std::size_t want = last_group_;
  const std::uint32_t& queued = group_size_[(flushes_started_ + 1) % 2];
  if (want < 2 || queued + 1 >= want || flush_time_.count() == 0) return true;
  // Waiting costs this writer at most half a flush; a group twice as large halves the
  // number of flushes.
  const auto deadline =
      Clock::now() + std::min<std::chrono::nanoseconds>(flush_time_ / 2, kMaxGather);
  // Numbered, so that this leader, if taken over, still knows it once a later gather runs.
  const std::uint64_t id = ++gathers_;
  flushing_ = true;
  gathering_ = true;
  auto taken = [&] { return gathers_taken_ >= id; };
  gather_cv_.wait_until(lk, deadline, [&] { return taken() || !failure_.ok() || stop_; });
  if (taken()) return false;  // flushing_ and gathering_ belong to others now
  gathering_ = false;
  flushing_ = false;
  return true;
}

bool CommitLog::release_group_locked(std::uint64_t seq) {
  group_word_[seq % 2].fetch_add(1, std::memory_order_release);
  const bool any = group_size_[seq % 2] > 0;
  group_size_[seq % 2] = 0;
  return any;
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

void CommitLog::flush_locked(std::unique_lock<AdaptiveMutex>& lk, FlushBackend& backend) {
  flushing_ = true;
  const std::uint64_t seq = ++flushes_started_;
  std::vector<PendingChunk> batch;
  batch.swap(pending_);
  const Lsn target = last_lsn_;
  flush_target_ = target;
  const Lsn before = durable_lsn();
  const std::size_t bytes = pending_bytes_;
  pending_bytes_ = 0;
  pending_async_ = false;
  space_cv_.notify_all();  // the buffer is empty again: back-pressured writers may go on

  lk.unlock();
  std::vector<FlushChunk> chunks;
  chunks.reserve(batch.size());
  for (const auto& c : batch) chunks.push_back({c.segment.get(), c.offset, c.bytes});
  std::uint64_t fsyncs = 0;
  const auto started = Clock::now();
  Status s = chunks.empty() ? Status::OK() : backend.write_and_sync(chunks, &fsyncs);
  const auto done = Clock::now();
  const auto took = done - started;
  lk.lock();

  flushing_ = false;
  stats_.fsyncs += fsyncs;
  if (s.ok()) {
    ++stats_.flushes;
    stats_.commits += target - before;
    stats_.bytes_written += bytes;
    durable_lsn_.store(target, std::memory_order_release);
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
  if (pending_async_) flusher_cv_.notify_one();

  const bool sync_flush = &backend == sync_backend_.get();
  if (sync_flush && !chunks.empty()) {
    flush_time_ = flush_time_.count() == 0 ? took : (flush_time_ * 7 + took) / 8;
  }
  // The sync writers this flush released, and those already waiting for the next one (its
  // leader and group): the next gather waits for all of them. Counting only the released
  // ones would stall grouping below the number of writers, because the writer completing
  // a group leads its flush at once and whoever arrives just after waits for the next.
  last_group_ = group_size_[seq % 2] + (sync_flush ? 1 : 0) + (next_leader_ ? 1 : 0) +
                group_size_[(seq + 1) % 2];
  const bool wake_group = release_group_locked(seq);
  WaitSlot* leader = std::exchange(next_leader_, nullptr);
  const bool fire = s.ok() && !notifier_.empty();
  if (!wake_group && !leader && !fire) return;
  lk.unlock();
  if (leader) leader->post();  // first, so the next flush starts while the group wakes
  if (wake_group) futex::wake(group_word_[seq % 2]);
  if (fire) notifier_.fire_upto(target);
  lk.lock();
}

void CommitLog::latch_failure_locked(const Status& s) {
  if (!failure_.ok()) return;
  failure_ = s;
  // Every sleeping sync writer wakes and finds failure_ (under mu_).
  for (std::uint64_t g : {0, 1}) {
    if (release_group_locked(g)) futex::wake(group_word_[g]);
  }
  if (WaitSlot* leader = std::exchange(next_leader_, nullptr)) leader->post();
  gather_cv_.notify_all();
  durable_cv_.notify_all();
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
    bool work = pending_async_ && pending_bytes_ > 0 && failure_.ok();
    if (stop_ && (!work || flushing_)) {
      if (!flushing_) return;
      durable_cv_.wait(lk);
      continue;
    }
    if (!work || flushing_) {
      flusher_cv_.wait(lk);
      continue;
    }
    const auto deadline = first_pending_ + config_.flush_interval;
    if (!stop_ && space_waiters_ == 0 && pending_bytes_ < config_.flush_bytes &&
        Clock::now() < deadline) {
      flusher_cv_.wait_until(lk, deadline);
      continue;
    }
    flush_locked(lk, *async_backend_);
  }
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
  if (failure_.ok() && pending_bytes_ > 0) flush_locked(lk, *sync_backend_);
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
