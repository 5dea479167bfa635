// BM_Get — point lookups of existing keys in a loaded DB (1M keys of the fillrandom shape).
//
// The DB is loaded once per process (loaded_db.h) and kept for every run of BM_Get; it is
// closed and removed at exit. Each lookup picks a random
// loaded key. Counter: items_per_second.
#include <memory>
#include <string>

#include <walkv/db.h>

#include "loaded_db.h"
#include "registry.h"
#include "workload.h"

namespace walkv::bench {
namespace {

constexpr std::uint64_t kLoadedKeys = 1'000'000;

void bm_get(benchmark::State& state) {
  DB* db = shared_loaded_db(state, "get", kLoadedKeys);
  if (db == nullptr) return;
  std::uint64_t rng = 12345;
  Key key(0);
  for (auto _ : state) {
    rng = mix64(rng);
    key.set(rng % kLoadedKeys);
    auto value = db->get(key.view());
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
