// Group commit: how sync writers share flushes. The commit log (commit_log.h) owns the flush
// itself (what is pending, the backends, durable_lsn_); this unit owns who waits for which
// flush, who leads the next one, and how long a leader waits for its group.
//
// Flushes are numbered (CommitLog::flushes_started_). A sync writer that finds a flush
// running is in one of four states:
//
//   follower of flush k   the running flush covers its record (k = the running one) or
//                         does not (k = the next): it sleeps on the futex word of k
//                         (group_word_[k % 2]; only two flushes can have followers), and a
//                         finished flush wakes its whole group with one system call;
//   next leader           the first writer not covered by the running flush: it sleeps on
//                         its own WaitSlot and is woken first, when that flush ends, to lead
//                         the next one;
//   gathering leader      a writer about to lead a flush that waits (holding the lead) for
//                         the writers the previous flush released, so that many writers
//                         share each fdatasync instead of settling into two half-size groups
//                         that alternate. The wait lasts until the group is complete, at most
//                         half a flush's time and kMaxGather;
//   completing writer     the writer that completes a gathering leader's group: it leads the
//                         flush itself, on the CPU it already has, and the gathering leader
//                         becomes a follower (waking the gatherer to flush cost a wake-up per
//                         cycle).
//
// Thread safety: every method REQUIRES the commit log's mutex (held through `lk` where a
// method may release it); wake() is called without it. The class holds no lock of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include "adaptive_mutex.h"
#include "wait_slot.h"

namespace walkv {

class GroupCommit {
 public:
  using Lock = std::unique_lock<AdaptiveMutex>;

  // A leader holds the lead while it gathers: no other flush may start then.
  bool gathering() const { return gathering_; }

  // Called by a sync writer about to lead flush `next_seq` (none running). Waits for the
  // writers the last flush released, if fewer have queued, while `stop()` is false. Returns
  // true if the caller leads; false if a completing writer took the flush over (the caller
  // then waits as a follower). Releases lk while waiting.
  bool gather(Lock& lk, std::uint64_t next_seq, const std::function<bool()>& stop);

  enum class Turn {
    kLead,   // this writer completes a gathered group: flush now (lk held)
    kAgain,  // was the next leader and was woken: look again (lk held)
    kWoken,  // was a follower and was woken: lk is NOT held
  };
  // Called by a sync writer whose record is not durable while a flush runs or a leader
  // gathers. `covered`: the running flush includes its record; `seq`: the flush it waits
  // for (the running one if covered, else the next).
  Turn wait(Lock& lk, bool covered, std::uint64_t seq);

  // Who a finished flush wakes, to be woken after releasing the lock.
  struct Wake {
    std::atomic<std::uint32_t>* group = nullptr;  // futex word of its followers, if any
    WaitSlot* leader = nullptr;                   // the next leader, if any
  };
  // Flush `seq` ended. `made_durable`: it was a full flush (else write-only: the group's
  // sizes and timing are left alone, and whoever queued behind it simply looks again).
  // `sync_flush`: a sync writer led it; `took` its duration, for the gather's deadline.
  Wake flushed(std::uint64_t seq, bool made_durable, bool sync_flush,
               std::chrono::nanoseconds took);
  static void wake(const Wake& w);

  // The log failed: every sleeping writer wakes (and finds the failure under the lock).
  void fail_all();

 private:
  // Moves the futex word of flush `seq`'s followers on and forgets their count; returns
  // whether any follower may be asleep.
  bool release_locked(std::uint64_t seq);

  bool gathering_ = false;
  std::uint64_t gathers_ = 0;        // gathers begun
  std::uint64_t gathers_taken_ = 0;  // the latest gather whose group's last writer led
  std::atomic<std::uint32_t> group_word_[2] = {0, 0};
  std::uint32_t group_size_[2] = {0, 0};  // followers, to skip a needless wake call
  WaitSlot* next_leader_ = nullptr;
  std::size_t last_group_ = 0;                // sync writers the last flush made durable
  std::chrono::nanoseconds flush_time_{0};    // moving average of a sync flush's duration
  AdaptiveCondVar gather_cv_;                 // the gathering leader's group is complete
};

}  // namespace walkv
