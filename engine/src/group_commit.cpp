#include "group_commit.h"

#include <algorithm>
#include <utility>

#include "futex.h"

namespace walkv {

using Clock = std::chrono::steady_clock;

// A gathering leader never waits longer than this, however slow the disk's last flushes.
constexpr std::chrono::nanoseconds kMaxGather = std::chrono::milliseconds(1);

bool GroupCommit::gather(Lock& lk, std::uint64_t next_seq, const std::function<bool()>& stop) {
  const std::size_t want = last_group_;
  const std::uint32_t& queued = group_size_[next_seq % 2];
  if (want < 2 || queued + 1 >= want || flush_time_.count() == 0) return true;
  // Waiting costs this writer at most half a flush; a group twice as large halves the
  // number of flushes.
  const auto deadline =
      Clock::now() + std::min<std::chrono::nanoseconds>(flush_time_ / 2, kMaxGather);
  // Numbered, so that this leader, if taken over, still knows it once a later gather runs.
  const std::uint64_t id = ++gathers_;
  gathering_ = true;
  auto taken = [&] { return gathers_taken_ >= id; };
  gather_cv_.wait_until(lk, deadline, [&] { return taken() || stop(); });
  if (taken()) return false;  // the completing writer leads; gathering_ is its business now
  gathering_ = false;
  return true;
}

GroupCommit::Turn GroupCommit::wait(Lock& lk, bool covered, std::uint64_t seq) {
  if (!covered && !gathering_ && next_leader_ == nullptr) {
    // Nobody leads the next flush yet: this writer will, once the running one ends.
    WaitSlot slot;
    next_leader_ = &slot;
    lk.unlock();
    slot.wait();
    lk.lock();
    return Turn::kAgain;
  }
  if (gathering_ && group_size_[seq % 2] + 2 >= last_group_) {
    // This writer completes the group a leader gathers: it flushes at once instead of
    // waking the gathering leader to do it. That leader wakes (off the flush's way) to wait
    // as a follower.
    gathers_taken_ = gathers_;
    gathering_ = false;
    gather_cv_.notify_all();
    return Turn::kLead;
  }
  std::atomic<std::uint32_t>& word = group_word_[seq % 2];
  const std::uint32_t seen = word.load(std::memory_order_relaxed);
  ++group_size_[seq % 2];
  lk.unlock();
  while (word.load(std::memory_order_acquire) == seen) futex::wait(word, seen);
  return Turn::kWoken;
}

GroupCommit::Wake GroupCommit::flushed(std::uint64_t seq, bool made_durable, bool sync_flush,
                                       std::chrono::nanoseconds took) {
  if (made_durable) {
    if (sync_flush && took.count() > 0)
      flush_time_ = flush_time_.count() == 0 ? took : (flush_time_ * 7 + took) / 8;
    // The sync writers this flush released, and those already waiting for the next one
    // (its leader and group): the next gather waits for all of them. Counting only the
    // released ones would stall grouping below the number of writers, because the writer
    // completing a group leads its flush at once and whoever arrives just after waits for
    // the next.
    last_group_ = group_size_[seq % 2] + (sync_flush ? 1 : 0) + (next_leader_ ? 1 : 0) +
                  group_size_[(seq + 1) % 2];
  }
  Wake w;
  if (release_locked(seq)) w.group = &group_word_[seq % 2];
  w.leader = std::exchange(next_leader_, nullptr);
  return w;
}

void GroupCommit::wake(const Wake& w) {
  if (w.leader) w.leader->post();  // first, so the next flush starts while the group wakes
  if (w.group) futex::wake(*w.group);
}

void GroupCommit::fail_all() {
  for (std::uint64_t g : {0, 1}) {
    if (release_locked(g)) futex::wake(group_word_[g]);
  }
  if (WaitSlot* leader = std::exchange(next_leader_, nullptr)) leader->post();
  gather_cv_.notify_all();
}

bool GroupCommit::release_locked(std::uint64_t seq) {
  group_word_[seq % 2].fetch_add(1, std::memory_order_release);
  const bool any = group_size_[seq % 2] > 0;
  group_size_[seq % 2] = 0;
  return any;
}

}  // namespace walkv
