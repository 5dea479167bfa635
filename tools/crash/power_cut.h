// Rewrites a database directory to what a power cut could have left (SPEC section 3).
//
// Input: the I/O ledger of the killed child, and the directory as the kernel holds it (every
// write present). For each file (inode):
//   - durable = every write whose before() entry precedes the before() entry of the file's
//     last fdatasync that completed successfully. That is the content "when the last
//     successful fsync was submitted"; for io_uring, writes linked ahead of the fsync in the
//     same chain are submitted (and logged) before it, so they count too. An fsync that had
//     not completed when the process died guarantees nothing.
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
};

struct PowerCutReport {
  std::uint64_t files_with_unsynced_writes = 0;
  std::uint64_t unsynced_writes = 0;
  std::uint64_t sectors_kept = 0;
  std::uint64_t sectors_reverted = 0;
  std::uint64_t sectors_torn = 0;
  std::uint64_t dir_ops_unsynced = 0;
  std::uint64_t dir_ops_undone = 0;
  std::vector<std::string> notes;  // one line per undone directory operation, anomalies
};

// Applies the cut in place. Returns an empty string on success, else what went wrong (the
// trial cannot be judged then).
std::string apply_power_cut(const LedgerContents& ledger, const std::string& db_dir,
                            const std::string& shadow_dir, std::uint64_t seed,
                            const PowerCutOptions& options, PowerCutReport* report);

}  // namespace walkv::crash
