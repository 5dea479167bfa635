// A checkpoint's cut of the index (index_cut.h) must hold exactly the index as of
// begin_cut, whether a shard was copied by a writer about to change it or by finish_cut,
// while writes after the cut land in the index as usual. Random operations from a seed;
// short keys and keys sharing 8-byte prefixes exercise the merge order.
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
    CHECK(index.copy_live() == SnapshotMap(model.begin(), model.end()));
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
