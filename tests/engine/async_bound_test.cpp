// The async loss bound holds whatever the scheduler does: while the oldest acknowledged
// write that is not durable is older than CommitLog::kAsyncBoundIntervals flush intervals,
// no further async write is acknowledged (time-based back-pressure).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "commit_log.h"
#include "test_util.h"
#include "walkv/db.h"
#include "walkv/io_hooks.h"

namespace walkv::test {
namespace {

using Clock = std::chrono::steady_clock;

// Holds the first fdatasync of a WAL segment for `stall`: a flush that is stuck or starved.
class StuckFirstSync : public IoHooks {
 public:
  explicit StuckFirstSync(std::chrono::milliseconds stall) : stall_(stall) {}
  int before(const IoEvent& ev) override {
    if (ev.op == IoOp::kSync && ev.path.find("/wal-") != std::string::npos &&
        ev.path.ends_with(".log") && !stalled_.exchange(true)) {
      std::this_thread::sleep_for(stall_);
    }
    return 0;
  }

 private:
  const std::chrono::milliseconds stall_;
  std::atomic<bool> stalled_{false};
};

struct Ack {
  Clock::time_point at;
  Lsn lsn = 0;
  Lsn durable = 0;  // durable_lsn() read just after the acknowledgement
};

void check_bound(const std::vector<Ack>& acks, std::chrono::milliseconds interval) {
  // The bound, plus slack for the time between the engine's check and the clock read here.
  const auto bound = CommitLog::kAsyncBoundIntervals * interval + std::chrono::milliseconds(30);
  std::size_t old = 0;  // acks[0, old) were acknowledged more than `bound` before acks[i]
  for (std::size_t i = 0; i < acks.size(); ++i) {
    while (old < i && acks[old].at < acks[i].at - bound) ++old;
    if (old == 0) continue;
    CAPTURE(i, acks[i].lsn, acks[old - 1].lsn, acks[i].durable);
    REQUIRE(acks[old - 1].lsn <= acks[i].durable);
  }
}

TEST_CASE("async writes wait while a write older than the loss bound is not durable",
          "[concurrency]") {
  const auto interval = std::chrono::milliseconds(5);
  TempDir dir;
  Options o = small_options(CommitMode::kAsync);
  o.flush_interval = interval;
  o.log_buffer_bytes = std::size_t{8} << 20;  // room enough: only time holds writers back
  o.flush_bytes = std::size_t{1} << 20;
  o.segment_bytes = std::uint64_t{16} << 20;
  o.io_hooks = std::make_shared<StuckFirstSync>(std::chrono::milliseconds(300));
  auto db = open_ok(dir.path(), o);
  std::vector<Ack> acks;
  const auto end = Clock::now() + std::chrono::milliseconds(500);
  for (int i = 0; Clock::now() < end; ++i) {
    auto lsn = db->put("k" + std::to_string(i % 1000), "value");
    REQUIRE(lsn.ok());
    acks.push_back({Clock::now(), *lsn, db->durable_lsn()});
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  REQUIRE(acks.size() > 100);
  check_bound(acks, interval);
}

}  // namespace
}  // namespace walkv::test
