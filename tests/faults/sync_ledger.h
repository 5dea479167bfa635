// SyncLedger: what the engine has really written and fdatasynced, learned only from the I/O
// seam (never from the engine's own claims), so that a test can ask "was LSN n inside a WAL
// record covered by a completed fdatasync when the engine acknowledged it?".
//
// Per file it keeps the image of the bytes written so far (a file the engine opens is read
// from disk first). When an fdatasync of a WAL segment completes, every valid record in that
// segment's image joins the set of durable LSNs. The set only grows: a checkpoint may later
// delete the segment, but the LSN stays durable through the snapshot.
//
// Precision: the image is taken when the fdatasync completes, not when it was submitted.
// That is exact for walkv, whose flushes are serialized (no write to a segment can overlap
// an fdatasync of it), and for io_uring chains, whose linked writes complete first.
//
// Not thread-safe: FaultPointHooks calls it under its own mutex.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "walkv/options.h"

namespace walkv::faults {

class SyncLedger {
 public:
  // A file created (or truncated) empty.
  void created(const std::string& path);
  // An existing file opened: its current content becomes the image (once per path).
  void opened(const std::string& path);
  void wrote(const std::string& path, std::uint64_t offset, std::string_view data);
  // A completed, successful fdatasync of path.
  void synced(const std::string& path);
  void renamed(const std::string& from, const std::string& to);
  void unlinked(const std::string& path);
  void truncated(const std::string& path, std::uint64_t size);

  bool covers(Lsn lsn) const { return durable_lsns_.count(lsn) != 0; }
  // The largest L such that every LSN in [from, L] is durable (from - 1 if from is not).
  Lsn covered_through(Lsn from) const;

 private:
  std::map<std::string, std::string> images_;
  std::set<Lsn> durable_lsns_;
};

}  // namespace walkv::faults
