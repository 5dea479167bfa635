// BM_Get — point lookups of existing keys in a loaded DB (1M keys of the fillrandom shape).
//
// The DB is loaded once per process (async mode, 1000-put batches, then sync()) and kept
// for every run of BM_Get; it is closed and removed at exit. Each lookup picks a random
// loaded key. Counter: items_per_second.
#include <memory>
#include <string>

#include <walkv/db.h>
#include <walkv/write_batch.h>

#include "registry.h"
#include "temp_dir.h"
#include "workload.h"

namespace walkv::bench {
namespace {

constexpr std::uint64_t kLoadedKeys = 1'000'000;
constexpr std::uint64_t kBatch = 1000;

struct LoadedDb {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<DB> db;  // declared after dir: closed before the directory is removed
};

// Loads the DB on first use. Null (and *error set) on failure.
LoadedDb* loaded_db(std::string* error) {
  static std::unique_ptr<LoadedDb> loaded;
  if (loaded) return loaded.get();
  auto l = std::make_unique<LoadedDb>();
  l->dir = TempDir::create("get", error);
  if (!l->dir) return nullptr;
  Options options;
  options.mode = CommitMode::kAsync;
  auto db = DB::open(l->dir->path(), options);
  if (!db.ok()) {
    *error = db.status().ToString();
    return nullptr;
  }
  l->db = std::move(db.value());
  const std::string value = make_value(7);
  WriteBatch batch;
  for (std::uint64_t i = 0; i < kLoadedKeys; i += kBatch) {
    batch.clear();
    for (std::uint64_t j = i; j < i + kBatch && j < kLoadedKeys; ++j) {
      batch.put(Key(j).view(), value);
    }
    auto lsn = l->db->write(batch);
    if (!lsn.ok()) {
      *error = lsn.status().ToString();
      return nullptr;
    }
  }
  auto synced = l->db->sync();
  if (!synced.ok()) {
    *error = synced.status().ToString();
    return nullptr;
  }
  loaded = std::move(l);
  return loaded.get();
}

void bm_get(benchmark::State& state) {
  std::string error;
  LoadedDb* l = loaded_db(&error);
  if (l == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::uint64_t rng = 12345;
  Key key(0);
  for (auto _ : state) {
    rng = mix64(rng);
    key.set(rng % kLoadedKeys);
    auto value = l->db->get(key.view());
    if (!value.ok()) {
      state.SkipWithError(value.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(value.value().data());
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

void register_get(Registry& registry) {
  if (auto* b = registry.add("BM_Get", 0, bm_get)) b->Unit(benchmark::kNanosecond);
}

}  // namespace walkv::bench
