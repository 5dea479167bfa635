// The in-memory index: an ordered map from key to (value, LSN).
//
// Writes are applied by LSN, not by arrival: an entry is replaced only by a write with a
// higher LSN. That is what keeps mixed commit modes correct — an async write is applied at
// once, a sync write only after its fdatasync, so a sync write with a lower LSN can arrive
// after an async one with a higher LSN for the same key and must lose. Deletes leave a
// tombstone (with its LSN) for the same reason; purge_tombstones() drops them when no write
// is in flight (the checkpoint does it).
//
// Thread safety: all methods are safe to call concurrently (a reader/writer lock).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "snapshot.h"
#include "walkv/options.h"

namespace walkv {

class Index {
 public:
  // Applies an encoded WriteBatch (already validated) as of `lsn`.
  void apply(Lsn lsn, std::string_view batch_rep);
  std::optional<std::string> get(std::string_view key) const;
  // Copies up to `max` live pairs with key > after (or >= start when first) into out.
  // Returns false when the range is exhausted.
  bool scan_batch(const ScanOptions& so, const std::string* after, std::size_t max,
                  std::vector<std::pair<std::string, std::string>>* out) const;

  // Replaces the contents with a snapshot's (recovery only).
  void load(SnapshotMap&& entries, Lsn lsn);
  // Live pairs. REQUIRES: no write in flight (else the copy may miss an older write).
  SnapshotMap copy_live() const;
  void purge_tombstones();
  std::uint64_t live_keys() const;

 private:
  struct Entry {
    std::string value;
    Lsn lsn = 0;
    bool deleted = false;
  };
  mutable std::shared_mutex mu_;
  std::map<std::string, Entry, std::less<>> map_;  // GUARDED_BY(mu_)
  std::uint64_t live_ = 0;                         // GUARDED_BY(mu_)
};

}  // namespace walkv
