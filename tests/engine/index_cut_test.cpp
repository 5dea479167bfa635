// A checkpoint's cut of the index (index_cut.h) must hold exactly the index as of
// begin_cut, whether a shard was copied by a writer about to change it or by finish_cut,
// while writes after the cut land in the index as usual. Random operations from a seed;
// short keys and keys sharing 8-byte prefixes exercise the merge order.
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "index.h"
#include "test_util.h"
#include "walkv/write_batch.h"

namespace walkv::test {
namespace {

using Model = std::map<std::string, std::string>;

std::string random_key(std::mt19937_64& rng) {
  static const char* const kStems[] = {"", "k", "user:00", "user:0001", "user:0001:x", "~"};
  return kStems[rng() % 6] + std::to_string(rng() % 300);
}

// Applies one random batch (1-3 operations) to both the index and the model.
void random_batch(std::mt19937_64& rng, Lsn lsn, Index* index, Model* model) {
  WriteBatch b;
  const int ops = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < ops; ++i) {
    const std::string key = random_key(rng);
    if (rng() % 4 == 0) {
      b.del(key);
      model->erase(key);
    } else {
      const std::string value = "v" + std::to_string(lsn) + "." + std::to_string(i) +
                                std::string(rng() % 3 == 0 ? 300 : 0, 'x');
      b.put(key, value);
      (*model)[key] = value;
    }
  }
  index->apply(lsn, b.rep());
}

Model cut_contents(const IndexCut& cut) {
  Model out;
  std::string last;
  bool first = true;
  const Status s = cut.for_each([&](std::string_view k, std::string_view v) {
    CHECK((first || std::string(k) > last));  // strictly increasing: sorted, no duplicates
    first = false;
    last = std::string(k);
    out.emplace(k, v);
    return Status::OK();
  });
  CHECK(s.ok());
  return out;
}

TEST_CASE("a cut holds the index as of begin_cut while later writes go on") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    Index index;
    Model model;
    Lsn lsn = 0;
    const int before = 200 + static_cast<int>(rng() % 1500);
    for (int i = 0; i < before; ++i) random_batch(rng, ++lsn, &index, &model);
    const Model at_cut = model;

    IndexCut cut;
    index.begin_cut(&cut);
    // A few writes reach some shards before finish_cut (those shards are copied by the
    // writer), the rest are copied by finish_cut; more writes follow.
    const int during = static_cast<int>(rng() % 12);
    for (int i = 0; i < during; ++i) random_batch(rng, ++lsn, &index, &model);
    index.finish_cut();
    for (int i = 0; i < 200; ++i) random_batch(rng, ++lsn, &index, &model);

    REQUIRE(cut.complete());
    CHECK(cut.size() == at_cut.size());
    CHECK(cut_contents(cut) == at_cut);
    // The index itself is unharmed by the copy and the dropped tombstones.
    CHECK(index.live_keys() == model.size());
    CHECK(live_pairs(index) == SnapshotMap(model.begin(), model.end()));
  }
}

TEST_CASE("a cut drops the tombstones it covers, and later writes still land") {
  Index index;
  WriteBatch put_old, del, put_new;
  put_old.put("key", "old");
  del.del("key");
  index.apply(1, put_old.rep());
  index.apply(2, del.rep());
  IndexCut cut;
  index.begin_cut(&cut);
  index.finish_cut();
  CHECK(cut.size() == 0);
  CHECK_FALSE(index.get("key").has_value());
  // After the cut every write has an LSN above it, so the dropped tombstone has no older
  // write left to outrank: a newer put lands.
  put_new.put("key", "new");
  index.apply(3, put_new.rep());
  CHECK(index.get("key") == std::optional<std::string>("new"));
}

// 16-byte keys with random bytes, and now and then one at either end of the prefix range
// (all 0x00 or all 0xff bytes, then a random tail), where the parts' edges are computed.
std::string random_binary_key(std::mt19937_64& rng) {
  std::string k(16, '\0');
  for (char& c : k) c = static_cast<char>(rng());
  if (rng() % 50 == 0) std::fill(k.begin(), k.begin() + 8, rng() % 2 ? '\xff' : '\0');
  return k;
}

TEST_CASE("writers copying parts and finish_cut copying the rest make the exact cut") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 12; ++round) {
    // The copy's memory: mapped as it goes; faulted in ahead by prepare_cut just before the
    // cut; or faulted in ahead when the index was half its size, so that the copy outgrows
    // it and a part's entries continue in memory mapped later.
    const int prepare = round % 3;
    INFO("round " << round << " prepare " << prepare);
    Index index;
    Model model;
    Lsn lsn = 0;
    auto write = [&](const std::string& key) {
      WriteBatch b;
      if (rng() % 5 == 0) {
        b.del(key);
        model.erase(key);
      } else {
        const std::string v = "v" + std::to_string(lsn + 1) + std::string(rng() % 120, 'x');
        b.put(key, v);
        model[key] = v;
      }
      index.apply(++lsn, b.rep());
    };
    std::vector<std::string> keys;
    IndexCut cut;
    const int n = 500 + static_cast<int>(rng() % 5000);
    for (int i = 0; i < n; ++i) {
      if (prepare == 2 && i == n / 2) index.prepare_cut(&cut);
      keys.push_back(random_binary_key(rng));
      write(keys.back());
    }
    const Model at_cut = model;
    if (prepare == 1) index.prepare_cut(&cut);
    index.begin_cut(&cut);
    // Enough writes to reach many parts of every shard, but not all of them: old keys
    // (updates, deletes) and new keys, some outside the prefix range seen at the cut.
    const int during = static_cast<int>(rng() % 3000);
    for (int i = 0; i < during; ++i)
      write(rng() % 2 ? keys[rng() % keys.size()] : random_binary_key(rng));
    index.finish_cut();
    REQUIRE(cut.complete());
    CHECK(cut.size() == at_cut.size());
    CHECK(cut_contents(cut) == at_cut);
    CHECK(live_pairs(index) == SnapshotMap(model.begin(), model.end()));
  }
}

TEST_CASE("a writer after begin_cut copies only the part of its shard that holds its key") {
  // Why it matters: a writer that copied its whole shard stalled for 1/16 of the index.
  Index index;
  std::mt19937_64 rng(7);
  constexpr int kKeys = 64 * 1024;
  for (int i = 0; i < kKeys; ++i) {
    WriteBatch b;
    b.put(random_binary_key(rng), "value");
    index.apply(static_cast<Lsn>(i + 1), b.rep());
  }
  IndexCut cut;
  index.begin_cut(&cut);
  WriteBatch b;
  b.put(random_binary_key(rng), "new");
  index.apply(kKeys + 1, b.rep());
  // A shard holds ~kKeys / 16 keys and a part ~kKeys / (16 * kCutParts) (16 for random
  // keys); a few times that allows for uneven parts, while a whole shard's copy (~4096) or
  // even 16 parts' fails.
  CHECK(cut.size() > 0);
  CHECK(cut.size() < 8 * kKeys / (16 * kCutParts));
  index.finish_cut();
  CHECK(cut.size() == kKeys);
}

TEST_CASE("keys exactly on the parts' edges are copied once, in the right part") {
  // Dense prefixes 0, 1, 2, ...: every shard has keys on many of its parts' first prefixes.
  auto key = [](std::uint64_t i) {
    std::string k(12, 't');
    for (std::size_t b = 0; b < 8; ++b) k[b] = static_cast<char>(i >> (56 - 8 * b));
    return k;
  };
  Index index;
  Model model;
  Lsn lsn = 0;
  for (std::uint64_t i = 0; i < 20000; ++i) {
    WriteBatch b;
    b.put(key(i), "v");
    index.apply(++lsn, b.rep());
    model[key(i)] = "v";
  }
  IndexCut cut;
  index.begin_cut(&cut);
  std::mt19937_64 rng(11);
  for (int i = 0; i < 300; ++i) {
    WriteBatch b;
    b.put(key(rng() % 25000), "later");
    index.apply(++lsn, b.rep());
  }
  index.finish_cut();
  CHECK(cut.size() == model.size());
  CHECK(cut_contents(cut) == model);
}

TEST_CASE("keys sharing their first 8 bytes are cut correctly in one part") {
  Index index;
  Model model;
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "samepfx:" + std::to_string(i * 7919 % 3000);
    WriteBatch b;
    b.put(key, "v");
    index.apply(static_cast<Lsn>(i + 1), b.rep());
    model[key] = "v";
  }
  IndexCut cut;
  index.begin_cut(&cut);
  WriteBatch b;
  b.put("samepfx:new", "n");
  b.del("samepfx:17");
  index.apply(3001, b.rep());
  index.finish_cut();
  CHECK(cut_contents(cut) == model);
}

TEST_CASE("a shard's copy reads back every entry in order across the memory it fills") {
  // Little memory faulted in ahead, then regions mapped as the copy grows (64 KiB, 128 KiB,
  // ...), and entries larger than a region: a part's entries run across regions.
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  IndexShardCopy copy;
  copy.set_range(0, ~std::uint64_t{0});
  copy.reserve(4096);
  std::vector<std::pair<std::string, std::string>> appended;
  for (std::size_t part = 0; part < 4; ++part) {
    for (int i = 0; i < 150; ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "p%zu-%05d", part, i);
      const std::size_t size = rng() % 50 == 0 ? (std::size_t{300} << 10) : rng() % 3000;
      std::string value(size, static_cast<char>('a' + rng() % 26));
      copy.append(part, key, value);
      appended.emplace_back(key, std::move(value));
    }
  }
  CHECK(copy.entries() == appended.size());
  std::size_t i = 0;
  for (IndexShardCopy::Cursor c(copy); c.valid(); c.next(), ++i) {
    REQUIRE(i < appended.size());
    INFO("entry " << i);
    CHECK(c.key() == appended[i].first);
    CHECK(c.value() == appended[i].second);
  }
  CHECK(i == appended.size());
}

TEST_CASE("a cut of an empty index is empty") {
  Index index;
  IndexCut cut;
  index.begin_cut(&cut);
  index.finish_cut();
  CHECK(cut.complete());
  CHECK(cut.size() == 0);
  CHECK(cut_contents(cut).empty());
}

}  // namespace
}  // namespace walkv::test
