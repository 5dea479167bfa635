// Rewrites a database directory to what a power cut could have left (docs/crash.md, "The crash model, in plain words").
//
// Input: the I/O ledger of the killed child, and the directory as the kernel holds it (every
// write present). For each file (inode):
//   - durable = every write whose before() entry precedes the before() entry of the file's
//     last fdatasync that completed successfully. That is the content "when the last
//     successful fsync was submitted"; for io_uring, writes linked ahead of the fsync in the
//     same chain are submitted (and logged) before it, so they count too. An fsync that had
//     not completed when the process died guarantees nothing, unless linked_completions()
//     (below) proves it did and its after() entry was appended to the ledger.
//   - each later write: every 512-byte sector it touched independently keeps the new bytes
//     or reverts to the bytes it overwrote (the pre-image in the ledger), newest write first;
//     once a sector keeps a version, older writes no longer touch it. The last sector of the
//     newest write may instead be torn: new bytes up to a seeded cut, old bytes after it.
// For the directory: a create, rename or unlink after the directory's last successful fsync
// may be undone. Journaling file systems commit directory operations in order, so a seeded
// prefix of them survives and the rest are undone, newest first (a rename moves back, an
// unlinked or replaced file reappears from the ledger's shadow hard link).
//
// Every choice is drawn from `seed` in a fixed order (files by inode, ledger order), so the
// same ledger and seed give the same result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ledger.h"

namespace walkv::crash {

struct PowerCutOptions {
  unsigned sector_keep_percent = 50;  // chance an unsynced sector keeps its newest bytes
  unsigned tear_percent = 50;         // chance the newest write's last sector is torn
  // The worst case for directories: every operation after the directory's last fsync is
  // undone, instead of a seeded prefix surviving. With sector_keep_percent and
  // tear_percent 0 the cut keeps exactly what completed fsyncs cover (tests use it to be
  // deterministic).
  bool undo_unsynced_dir_ops = false;
};

struct PowerCutReport {
  std::uint64_t files_with_unsynced_writes = 0;
  std::uint64_t unsynced_writes = 0;
  std::uint64_t sectors_kept = 0;
  std::uint64_t sectors_reverted = 0;
  std::uint64_t sectors_torn = 0;
  std::uint64_t dir_ops_unsynced = 0;
  std::uint64_t dir_ops_undone = 0;
  std::uint64_t linked_syncs_proven = 0;  // in-flight fdatasyncs a later linked write proved
  std::vector<std::string> notes;  // one line per undone directory operation, anomalies
};

// An io_uring chain the process was waiting for when it died runs on in the kernel, in
// order: each operation starts only once the one linked ahead of it has succeeded (a
// failure cancels the rest). So a write of that chain whose bytes are in the file proves
// that every operation ahead of it completed successfully — an fdatasync included — which
// the ledger never saw. Returns after() entries (result 0) for those operations, to append
// to the ledger before the cut. Call it on the directory as the kill left it, before
// anything else writes there. Relies on the engine's flusher submitting one linked chain
// at a time and reaping it whole (engine/src/flush_backend_uring.cpp). Sets *error (and
// returns nothing) if the directory cannot be read.
std::vector<LedgerEntry> linked_completions(const LedgerContents& ledger,
                                            const std::string& db_dir,
                                            const std::string& shadow_dir, std::string* error);

// Applies the cut in place. Returns an empty string on success, else what went wrong (the
// trial cannot be judged then).
std::string apply_power_cut(const LedgerContents& ledger, const std::string& db_dir,
                            const std::string& shadow_dir, std::uint64_t seed,
                            const PowerCutOptions& options, PowerCutReport* report);

}  // namespace walkv::crash
