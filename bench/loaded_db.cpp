#include "loaded_db.h"

#include <walkv/write_batch.h>

#include <map>
#include <memory>
#include <string>

#include "temp_dir.h"
#include "workload.h"

namespace walkv::bench {

namespace {

struct LoadedDb {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<DB> db;  // declared after dir: closed before the directory is removed
};

// Null (and *error set) on failure.
std::unique_ptr<LoadedDb> load_db(const char* name, std::uint64_t keys, std::string* error) {
  constexpr std::uint64_t kBatch = 1000;
  auto l = std::make_unique<LoadedDb>();
  l->dir = TempDir::create(name, error);
  if (!l->dir) return nullptr;
  Options options;
  options.mode = CommitMode::kAsync;
  options.checkpoint_wal_bytes = 0;  // the benchmark decides when to checkpoint, if ever
  auto db = DB::open(l->dir->path(), options);
  if (!db.ok()) {
    *error = db.status().ToString();
    return nullptr;
  }
  l->db = std::move(db.value());
  const std::string value = make_value(7);
  WriteBatch batch;
  for (std::uint64_t i = 0; i < keys; i += kBatch) {
    batch.clear();
    for (std::uint64_t j = i; j < i + kBatch && j < keys; ++j) batch.put(Key(j).view(), value);
    if (auto lsn = l->db->write(batch); !lsn.ok()) {
      *error = lsn.status().ToString();
      return nullptr;
    }
  }
  if (auto synced = l->db->sync(); !synced.ok()) {
    *error = synced.status().ToString();
    return nullptr;
  }
  return l;
}

}  // namespace

DB* shared_loaded_db(benchmark::State& state, const char* name, std::uint64_t keys) {
  static std::map<std::string, std::unique_ptr<LoadedDb>> loaded;
  std::unique_ptr<LoadedDb>& l = loaded[name];
  std::string error;
  if (!l) l = load_db(name, keys, &error);
  if (!l) {
    state.SkipWithError(error.c_str());
    return nullptr;
  }
  return l->db.get();
}

}  // namespace walkv::bench
