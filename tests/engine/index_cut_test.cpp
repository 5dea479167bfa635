// A checkpoint's cut of the index (index_cut.h) must hold exactly the index as of
// begin_cut although the copy is taken a few entries at a time while writes go on — writes
// to keys the copy has passed, keys it has not reached (whose values as of the cut the
// writers save), new keys and deletes — and those writes land in the index as usual.
// Random operations from a seed; short keys and keys sharing 8-byte prefixes exercise the
// merge order.
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
    index.begin_cut(&cut, lsn);
    // Writes before the copy starts, then between copy steps of a few entries per shard,
    // then after it is done.
    const int first = static_cast<int>(rng() % 12);
    for (int i = 0; i < first; ++i) random_batch(rng, ++lsn, &index, &model);
    const std::size_t step = 1 + rng() % 8;
    while (!index.continue_cut(step)) {
      const int between = static_cast<int>(rng() % 6);
      for (int i = 0; i < between; ++i) random_batch(rng, ++lsn, &index, &model);
    }
    index.finish_cut();  // already complete: a no-op
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
  index.begin_cut(&cut, 2);
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
  index.begin_cut(&cut, 0);
  index.finish_cut();
  CHECK(cut.complete());
  CHECK(cut.size() == 0);
  CHECK(cut_contents(cut).empty());
}

TEST_CASE("a cut keeps each kind of change after it out of the copy") {
  // One key per case; each case is checked whichever side of the copy's position it is,
  // by stopping the copy after each single entry and changing every key.
  const std::vector<std::string> keys = {"a", "b", "c", "d", "e", "f"};
  for (std::size_t stop_after = 0; stop_after <= keys.size(); ++stop_after) {
    INFO("copy stopped after " << stop_after << " entries per shard");
    Index index;
    Lsn lsn = 0;
    auto put = [&](const std::string& k, const std::string& v) {
      WriteBatch b;
      b.put(k, v);
      index.apply(++lsn, b.rep());
    };
    auto del = [&](const std::string& k) {
      WriteBatch b;
      b.del(k);
      index.apply(++lsn, b.rep());
    };
    put("a", "a0");  // overwritten twice after the cut
    put("b", "b0");  // deleted after the cut
    put("c", "c0");  // deleted, then put again after the cut
    del("d");        // a tombstone at the cut, put after it
    put("f", "f0");  // untouched
    IndexCut cut;
    index.begin_cut(&cut, lsn);
    if (stop_after > 0) (void)index.continue_cut(stop_after);
    put("a", "a1");
    put("a", "a22");  // a different size: a new record, not an update in place
    del("b");
    del("c");
    put("c", "c2");
    put("d", "d1");
    put("e", "e1");  // a key new after the cut
    index.finish_cut();
    REQUIRE(cut.complete());
    CHECK(cut_contents(cut) == Model{{"a", "a0"}, {"b", "b0"}, {"c", "c0"}, {"f", "f0"}});
    CHECK(index.copy_live() ==
          SnapshotMap{{"a", "a22"}, {"c", "c2"}, {"d", "d1"}, {"e", "e1"}, {"f", "f0"}});
  }
}

}  // namespace
}  // namespace walkv::test
