// Judges a recovered database against what the workload was told (the acks).
//
// Expected state (after RocksDB's crash test): for each key, the value that must be there
// given the recovered last LSN L, plus the value of the one write per writer that was in
// flight (unacknowledged) at the crash, which may or may not have made it.
//
// The guarantees checked (docs/design.md, "Crash guarantees"):
//   prefix     — the recovered state is exactly the writes with LSN <= L: every
//                acknowledged write with LSN <= L is visible (no holes, no partial batch,
//                no resurrected delete), none with LSN > L is, and L is not beyond what the
//                workload could have written.
//   no garbage — every value is byte-for-byte one the workload wrote to that key.
//   nothing lost — where the mode promises it (guarantee.h: sync always, os but for a power
//                cut) no acknowledged write is lost (every ack's LSN <= L); and in sync mode
//                no write a reader saw is lost: a sync write becomes visible only once
//                durable, so even the in-flight write, if a reader saw it, must survive.
// It also measures loss: acknowledged writes with LSN > L, and the loss window (crash time
// minus the ack time of the oldest such write).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recovery_dump.h"

namespace walkv::crash {

struct AckRecord {
  std::uint64_t seq = 0;
  std::uint64_t lsn = 0;
  std::uint64_t t_start_ns = 0;
  std::uint64_t t_ack_ns = 0;
};

struct WriterLog {
  std::vector<AckRecord> acks;  // in the order received (= seq order for one writer)
  bool failed = false;          // a write returned an error (that write is "in flight")
  // Sync mode: the newest of this writer's writes a reader saw (get) before the crash.
  bool seen_any = false;
  std::uint64_t max_seen_seq = 0;
};

struct CheckInput {
  std::uint64_t trial_seed = 0;
  std::uint32_t keys_per_writer = 0;
  std::vector<WriterLog> writers;
  std::uint64_t crash_ns = 0;
  bool lose_nothing = false;  // the mode promises this crash kind loses nothing acknowledged
  bool sync_mode = false;     // what readers saw was durable (the workload reads only then)
  std::string mode_name = "sync", crash_name = "kill";  // for the complaint
};

struct CheckResult {
  std::uint64_t acked = 0;
  std::uint64_t lost_acked = 0;    // acknowledged writes with LSN > recovered last LSN
  double loss_window_ms = 0;       // crash time - oldest lost ack; 0 when nothing was lost
  // Newest lost ack - oldest lost ack: what the engine bounds whatever the scheduler does
  // (an async write is not acknowledged while an older one past the bound is not durable).
  double loss_span_ms = 0;
  bool prefix_violation = false;   // any prefix / garbage / resurrection / LSN problem
  bool recovery_failure = false;   // open failed, or the reopen check failed
  bool lost_promised = false;      // lost an acknowledged (or seen) write it promised to keep
  std::vector<std::string> problems;  // human-readable, the first few of each trial
  bool broken() const { return prefix_violation || recovery_failure || lost_promised; }
};

CheckResult check_recovery(const CheckInput& in, const RecoveredState& rec);

}  // namespace walkv::crash
