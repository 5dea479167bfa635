#include "checker.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "workload.h"

namespace walkv::crash {

namespace {

constexpr std::size_t kMaxProblems = 12;

// One write to one key.
struct KeyEvent {
  std::uint64_t seq = 0;
  std::uint32_t item = 0;
  bool del = false;
  std::uint32_t value_len = 0;
  bool acked = false;
  std::uint64_t lsn = 0;  // when acked
};

struct Collector {
  CheckResult* r;
  std::size_t dropped = 0;
  std::size_t holes = 0, beyond = 0, resurrected = 0, garbage = 0, lost_visible = 0;
  void add(std::string s) {
    if (r->problems.size() < kMaxProblems) r->problems.push_back(std::move(s));
    else ++dropped;
  }
};

std::string describe(const KeyEvent& e) {
  if (!e.acked) return fmt::format("{} of seq {} (in flight)", e.del ? "delete" : "put", e.seq);
  return fmt::format("{} of seq {} (LSN {})", e.del ? "delete" : "put", e.seq, e.lsn);
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    out += (c >= 32 && c < 127) ? std::string(1, c) : fmt::format("\\x{:02x}", c & 0xff);
  }
  if (s.size() > 40) out += fmt::format("... ({} bytes)", s.size());
  return out;
}

}  // namespace

CheckResult check_recovery(const CheckInput& in, const RecoveredState& rec) {
  CheckResult r;
  Collector bad{&r};
  for (const auto& w : in.writers) r.acked += w.acks.size();

  if (!rec.opened) {
    r.recovery_failure = true;
    bad.add(fmt::format("recovery failed: {}", rec.open_error));
    return r;
  }
  if (!rec.reopen_ok) {
    r.recovery_failure = true;
    bad.add(fmt::format("after recovery: {}", rec.reopen_error));
  }
  const std::uint64_t L = rec.last_lsn;

  // LSNs: unique, increasing per writer.
  std::unordered_set<std::uint64_t> seen;
  std::uint64_t acked_le_L = 0;
  std::uint64_t oldest_lost_ack = UINT64_MAX;
  std::uint64_t newest_lost_ack = 0;
  std::uint64_t in_flight = 0;
  std::vector<std::uint64_t> last_acked_lsn(in.writers.size(), 0);
  for (std::size_t w = 0; w < in.writers.size(); ++w) {
    const auto& log = in.writers[w];
    in_flight += 1;  // the write after the last ack (or the failed one) may be in the log
    std::uint64_t prev = 0;
    for (std::size_t i = 0; i < log.acks.size(); ++i) {
      const auto& a = log.acks[i];
      if (a.seq != i) {
        r.prefix_violation = true;
        bad.add(fmt::format("writer {}: ack {} has seq {} (protocol error)", w, i, a.seq));
      }
      if (a.lsn == 0 || !seen.insert(a.lsn).second) {
        r.prefix_violation = true;
        bad.add(fmt::format("writer {} seq {}: LSN {} handed out twice or zero", w, a.seq, a.lsn));
      }
      if (a.lsn <= prev) {
        r.prefix_violation = true;
        bad.add(fmt::format("writer {} seq {}: LSN {} not after its previous write's {}", w,
                            a.seq, a.lsn, prev));
      }
      prev = a.lsn;
      if (a.lsn <= L) {
        ++acked_le_L;
      } else {
        ++r.lost_acked;
        oldest_lost_ack = std::min(oldest_lost_ack, a.t_ack_ns);
        newest_lost_ack = std::max(newest_lost_ack, a.t_ack_ns);
      }
    }
    last_acked_lsn[w] = prev;
  }
  if (L > acked_le_L + in_flight) {
    r.prefix_violation = true;
    bad.add(fmt::format("recovered last LSN {} but only {} acknowledged writes have LSN <= it "
                        "and at most {} were in flight",
                        L, acked_le_L, in_flight));
  }
  if (r.lost_acked > 0) {
    r.loss_window_ms =
        in.crash_ns > oldest_lost_ack ? static_cast<double>(in.crash_ns - oldest_lost_ack) / 1e6 : 0;
    r.loss_span_ms = static_cast<double>(newest_lost_ack - oldest_lost_ack) / 1e6;
    if (in.lose_nothing) {
      r.lost_promised = true;
      bad.add(fmt::format("{} mode lost {} acknowledged writes, though it may lose none to a "
                          "{} crash (recovered last LSN {}; the oldest lost was acknowledged "
                          "{:.3f} ms before the crash)",
                          in.mode_name, r.lost_acked, in.crash_name, L, r.loss_window_ms));
    }
  }

  // Per-key histories from the regenerated workload.
  const auto nw = static_cast<std::uint32_t>(in.writers.size());
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<KeyEvent>> history;
  std::vector<bool> writer_may_apply_pending(nw);
  for (std::uint32_t w = 0; w < nw; ++w) {
    const auto& log = in.writers[w];
    OpGenerator gen(in.trial_seed, w, in.keys_per_writer);
    const std::uint64_t n_ops = log.acks.size() + 1;  // + the one in flight
    writer_may_apply_pending[w] = last_acked_lsn[w] < L;
    for (std::uint64_t s = 0; s < n_ops; ++s) {
      const Op op = gen.next();
      const bool acked = s < log.acks.size();
      for (std::uint32_t i = 0; i < op.items.size(); ++i) {
        const auto& it = op.items[i];
        history[{w, it.key}].push_back(
            {op.seq, i, it.del, it.value_len, acked, acked ? log.acks[s].lsn : 0});
      }
    }
  }

  // Observed state.
  std::map<std::pair<std::uint32_t, std::uint32_t>, const std::string*> observed;
  for (const auto& [k, v] : rec.kv) {
    auto id = parse_key(k);
    if (!id || id->first >= nw || id->second >= in.keys_per_writer) {
      r.prefix_violation = true;
      ++bad.garbage;
      bad.add(fmt::format("garbage key '{}'", printable(k)));
      continue;
    }
    observed[*id] = &v;
  }

  for (const auto& [kid, events] : history) {
    const auto [w, key] = kid;
    const std::string kname = key_name(w, key);
    auto obs_it = observed.find(kid);
    const std::string* value = obs_it == observed.end() ? nullptr : obs_it->second;
    if (obs_it != observed.end()) observed.erase(obs_it);

    // Which event does the observed state come from? (-1: absent)
    std::optional<int> obs_event;  // nullopt: garbage
    if (!value) {
      obs_event = -1;
    } else if (auto vid = parse_value(*value); vid && vid->writer == w) {
      for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        if (!e.del && e.seq == vid->seq && e.item == vid->item &&
            *value == value_for(w, e.seq, e.item, e.value_len)) {
          obs_event = static_cast<int>(i);
        }
      }
    }
    if (!obs_event) {
      r.prefix_violation = true;
      ++bad.garbage;
      bad.add(fmt::format("key {}: garbage value '{}'", kname, printable(*value)));
      continue;
    }

    // Expected: the last acknowledged event with LSN <= L; maybe the in-flight one.
    int j = -1;
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].acked && events[i].lsn <= L) j = static_cast<int>(i);
    }
    auto state_of = [&](int i) { return (i < 0 || events[i].del) ? -1 : i; };
    const int expect = state_of(j);
    const int got = state_of(*obs_event);
    const int last_event = static_cast<int>(events.size()) - 1;
    if (in.sync_mode && !events[last_event].acked && in.writers[w].seen_any &&
        in.writers[w].max_seen_seq == events[last_event].seq && got != state_of(last_event)) {
      // A reader saw the in-flight write: it was durable, so it must have survived.
      r.lost_promised = true;
      ++bad.lost_visible;
      bad.add(fmt::format("key {}: a reader saw the in-flight {} before the crash (sync: "
                          "visible only once durable), but recovery lost it",
                          kname, describe(events[last_event])));
      continue;
    }
    if (got == expect) continue;
    // The writer's in-flight operation (unacknowledged events at the end of the history)
    // may be applied if it could have an LSN <= L: every acknowledged event on this key is
    // <= L and so is the writer's last acknowledged write.
    const int last = static_cast<int>(events.size()) - 1;
    int last_acked = -1;
    for (int i = 0; i <= last; ++i) {
      if (events[i].acked) last_acked = i;
    }
    const bool pending_ok = last > last_acked && writer_may_apply_pending[w] &&
                            j == last_acked && got == state_of(last);
    if (pending_ok) continue;

    r.prefix_violation = true;
    if (*obs_event > j) ++bad.beyond;
    else if (j >= 0 && events[j].del && got >= 0) ++bad.resurrected;
    else ++bad.holes;
    if (*obs_event > j && events[*obs_event].acked) {
      bad.add(fmt::format("key {}: holds {}, beyond the recovered last LSN {}", kname,
                          describe(events[*obs_event]), L));
    } else if (*obs_event > j) {
      bad.add(fmt::format("key {}: holds the in-flight {} but an earlier write of writer {} "
                          "is beyond the recovered last LSN {}",
                          kname, describe(events[*obs_event]), w, L));
    } else if (j >= 0 && events[j].del && got >= 0) {
      bad.add(fmt::format("key {}: resurrected — deleted by {} <= last LSN {}, yet holds {}",
                          kname, describe(events[j]), L, describe(events[*obs_event])));
    } else if (got < 0) {
      bad.add(fmt::format("key {}: absent, but {} <= last LSN {} should be there (hole)", kname,
                          describe(events[j]), L));
    } else {
      bad.add(fmt::format("key {}: holds older {}, but {} <= last LSN {} should be there (hole)",
                          kname, describe(events[*obs_event]), describe(events[j]), L));
    }
  }
  for (const auto& [kid, value] : observed) {
    r.prefix_violation = true;
    ++bad.garbage;
    bad.add(fmt::format("key {}: present ('{}') but never written", key_name(kid.first, kid.second),
                        printable(*value)));
  }
  if (bad.dropped > 0) r.problems.push_back(fmt::format("... and {} more", bad.dropped));
  if (bad.holes + bad.beyond + bad.resurrected + bad.garbage > 0) {
    r.problems.insert(r.problems.begin(),
                      fmt::format("not a prefix of LSN order (recovered last LSN {}): {} keys "
                                  "miss a write <= it, {} hold a write beyond it, {} resurrected "
                                  "deletes, {} garbage",
                                  L, bad.holes, bad.beyond, bad.resurrected, bad.garbage));
  }
  return r;
}

}  // namespace walkv::crash
