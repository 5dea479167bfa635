// bench/loaded_db.h — a DB loaded with fillrandom-shaped pairs, for benchmarks that need one.
//
// Keys are Key(0) ... Key(keys - 1) (workload.h), so a benchmark can recompute any loaded key;
// values are make_value(7). Loaded in async mode in 1000-put batches with automatic
// checkpoints off, then sync()ed. The DB stays open; destroying the LoadedDb closes it and
// then removes its directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <walkv/db.h>

#include "temp_dir.h"

namespace walkv::bench {

struct LoadedDb {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<DB> db;  // declared after dir: closed before the directory is removed
};

// Null (and *error set) on failure. `name` names the temporary directory.
std::unique_ptr<LoadedDb> load_db(const char* name, std::uint64_t keys, std::string* error);

}  // namespace walkv::bench
