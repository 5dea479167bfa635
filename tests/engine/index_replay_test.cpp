// Recovery's bulk index rebuild (IndexReplay) must end in exactly the state that applying
// the same records one by one (Index::apply) gives: last write per key wins, in log order
// and within a batch, deletes remove, a snapshot's entries are overridden or kept. Random
// logs from a seed; keys share 8-byte prefixes and are shorter than 8 bytes so that the
// prefix shortcut in the sort is exercised on both sides.
#include <cstring>
#include <memory>
#include <vector>
#include <random>
#include <string>

#include "index.h"
#include "index_replay.h"
#include "test_util.h"
#include "walkv/write_batch.h"

namespace walkv::test {
namespace {

std::string random_key(std::mt19937_64& rng) {
  static const char* const kStems[] = {"", "a", "user:00", "user:0001", "user:0001:x", "zz"};
  std::string k = kStems[rng() % 6];
  k += std::to_string(rng() % 40);
  return k;
}

struct Log {
  SnapshotMap snapshot;
  Lsn snapshot_lsn = 0;
  std::vector<std::pair<Lsn, std::string>> records;  // encoded batches
};

Log random_log(std::uint64_t seed, bool with_snapshot, int records) {
  std::mt19937_64 rng(seed);
  Log log;
  if (with_snapshot) {
    for (int i = 0; i < 60; ++i) log.snapshot[random_key(rng)] = "snap" + std::to_string(i);
    log.snapshot_lsn = 500;
  }
  Lsn lsn = log.snapshot_lsn;
  for (int r = 0; r < records; ++r) {
    WriteBatch b;
    const int ops = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < ops; ++i) {
      std::string key = random_key(rng);
      if (rng() % 3 == 0) {
        b.del(key);
      } else {
        b.put(key, rng() % 5 == 0 ? std::string() : "v" + std::to_string(lsn + 1) + "." +
                                                         std::to_string(i));
      }
    }
    log.records.emplace_back(++lsn, b.rep());
  }
  return log;
}

// Hands `rep` to the replay in a buffer of its own that only the replay keeps, as recovery
// hands over the reader's window (SegmentWindow::share()). The buffer is overwritten when
// its last holder lets go, so a replay that read it after that would stage garbage.
void add_held(IndexReplay& replay, Lsn lsn, std::string_view rep) {
  const std::size_t n = rep.size() + 1;  // +1: a buffer even for an empty write
  std::shared_ptr<char[]> buffer(new char[n], [n](char* b) {
    std::memset(b, 0xff, n);
    delete[] b;
  });
  if (!rep.empty()) std::memcpy(buffer.get(), rep.data(), rep.size());
  const std::string_view bytes(buffer.get(), rep.size());
  replay.add(lsn, bytes, std::move(buffer));
}

void check_same(const Index& expected, const Index& got) {
  CHECK(got.live_keys() == expected.live_keys());
  CHECK(live_pairs(got) == live_pairs(expected));
}

TEST_CASE("replay rebuilds the index exactly as applying each record does", "[recovery]") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  for (int round = 0; round < 40; ++round) {
    CAPTURE(round);
    const bool with_snapshot = round % 2 == 1;
    const Log log = random_log(seed + static_cast<std::uint64_t>(round), with_snapshot,
                               50 + round * 20);
    auto build_reference = [&] {
      auto index = std::make_unique<Index>();
      if (with_snapshot) index->load(SnapshotMap(log.snapshot), log.snapshot_lsn);
      for (const auto& [lsn, rep] : log.records) index->apply(lsn, rep);
      return index;
    };
    // Default budget: one merge at the end. Tiny budget: a merge every few records, so
    // later merges land in a populated index.
    for (std::size_t budget : {IndexReplay::kStageBudget, std::size_t{300}}) {
      CAPTURE(budget);
      auto reference = build_reference();
      Index replayed;
      if (with_snapshot) replayed.load(SnapshotMap(log.snapshot), log.snapshot_lsn);
      IndexReplay replay(&replayed, budget);
      // Each write's buffer is dropped by the caller as soon as add() returns, as the WAL
      // reader's window moves on: the replay must hold it until the write is staged.
      for (const auto& [lsn, rep] : log.records) add_held(replay, lsn, rep);
      replay.finish();
      check_same(*reference, replayed);
      // The rebuilt index keeps working for later writes, which carry higher LSNs.
      WriteBatch b;
      b.put("a1", "after");
      b.del("zz1");
      const Lsn next = log.snapshot_lsn + log.records.size() + 1;
      reference->apply(next, b.rep());
      replayed.apply(next, b.rep());
      check_same(*reference, replayed);
    }
  }
}

TEST_CASE("replay of many writes to binary keys keeps the last write of each key", "[recovery]") {
  // Thousands of operations per shard, keys rewritten many times (log order among equal
  // keys decides: the sort before the merge must be stable), and keys that share their
  // first 8 bytes, so that the order falls back to the key's bytes.
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  std::vector<std::string> keys;
  for (int i = 0; i < 6000; ++i) {
    std::string k(16, '\0');
    for (char& c : k) c = static_cast<char>(rng());
    if (i % 7 == 0) k.replace(0, 8, "samepfx:");       // one bucket for all of these
    if (i % 11 == 0) k.resize(static_cast<std::size_t>(rng() % 9));  // short, maybe empty prefix
    if (k.empty()) k = "e";
    keys.push_back(k);
  }
  Index reference, replayed;
  IndexReplay replay(&replayed);
  for (Lsn lsn = 1; lsn <= 40000; ++lsn) {
    WriteBatch b;
    const std::string& key = keys[rng() % keys.size()];
    if (rng() % 6 == 0) {
      b.del(key);
    } else {
      b.put(key, "v" + std::to_string(lsn));
    }
    reference.apply(lsn, b.rep());
    add_held(replay, lsn, b.rep());
  }
  replay.finish();
  check_same(reference, replayed);
}

TEST_CASE("replay of a log many batches long keeps every key's last write", "[recovery]") {
  // Far more 1 MiB batches than the staging queue holds, so the reader waits for the
  // staging thread again and again; with a small budget, merges also land between batches
  // that are still queued. Keys repeat across batches, so a batch staged out of turn would
  // leave an older value.
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  for (std::size_t budget : {IndexReplay::kStageBudget, std::size_t{3} << 20}) {
    CAPTURE(budget);
    std::mt19937_64 rng(seed);
    Index reference, replayed;
    IndexReplay replay(&replayed, budget);
    for (Lsn lsn = 1; lsn <= 60'000; ++lsn) {
      WriteBatch b;
      const std::string key = "k" + std::to_string(rng() % 20'000);
      if (rng() % 9 == 0) {
        b.del(key);
      } else {
        b.put(key, std::string(200 + rng() % 200, static_cast<char>('a' + lsn % 26)) +
                       std::to_string(lsn));
      }
      reference.apply(lsn, b.rep());
      add_held(replay, lsn, b.rep());
    }
    replay.finish();
    check_same(reference, replayed);
  }
}

TEST_CASE("replay of nothing leaves a loaded snapshot untouched", "[recovery]") {
  Index index;
  index.load(SnapshotMap{{"k", "v"}}, 7);
  IndexReplay replay(&index);
  replay.finish();
  CHECK(index.get("k") == std::optional<std::string>("v"));
  CHECK(index.live_keys() == 1);
}

TEST_CASE("a replay abandoned before finish leaves the index as it was", "[recovery]") {
  // Recovery gives up mid-log when reading fails: the replay is destroyed with batches
  // handed to its staging thread and none merged.
  Index index;
  index.load(SnapshotMap{{"k", "v"}}, 7);
  {
    IndexReplay replay(&index);
    for (Lsn lsn = 8; lsn < 8 + 40'000; ++lsn) {  // several 1 MiB batches
      WriteBatch b;
      b.put("key" + std::to_string(lsn), std::string(40, 'x'));
      add_held(replay, lsn, b.rep());
    }
  }
  CHECK(index.live_keys() == 1);
  CHECK(index.get("k") == std::optional<std::string>("v"));
  CHECK_FALSE(index.get("key8").has_value());
}

}  // namespace
}  // namespace walkv::test
