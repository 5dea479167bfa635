// SyncLedger: what the engine has really written and made durable, learned only from the
// I/O seam (never from the engine's own claims), so that a test can ask "was LSN n inside a
// durable WAL record when the engine acknowledged it?". The one durability ledger of the
// engine and fault tests; LedgerHooks below feeds it from Options::io_hooks.
//
// Per file it keeps the image of the bytes written so far (a file the engine opens is read
// from disk first). A WAL record is durable once (1) an fdatasync of its segment completed
// after the record was written and (2) the segment's name is durable: a directory fsync
// completed after the file was created or renamed into place (docs/design.md, "Commit
// modes": the directory entry of a new WAL file is fsynced before a sync write returns).
// A file that existed when the engine opened it counts as named durably. Durable LSNs stay
// durable when a checkpoint later deletes their segment, or renames it away to delete it
// (the snapshot holds them then).
//
// Precision: the image is taken when the fdatasync completes, not when it was submitted.
// That is exact for walkv, whose flushes are serialized (no write to a segment can overlap
// an fdatasync of it), and for io_uring chains, whose linked writes complete first.
//
// Not thread-safe: its owner serializes the calls (LedgerHooks, FaultPointHooks).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "bug_switch.h"
#include "walkv/io_hooks.h"
#include "walkv/options.h"

namespace walkv::test {

class SyncLedger {
 public:
  // Applies an operation as it completed: `result` as IoHooks::after() has it, `length` the
  // bytes a write really wrote (a hook that shortened the write knows; after() reports the
  // requested length). A failed operation changes nothing.
  void record(const IoEvent& ev, int result, std::uint64_t length);

  // A file created (or truncated) empty.
  void created(const std::string& path);
  // An existing file opened: its current content becomes the image (once per path).
  void opened(const std::string& path);
  void wrote(const std::string& path, std::uint64_t offset, std::string_view data);
  void truncated(const std::string& path, std::uint64_t size);
  // A completed, successful fdatasync of path.
  void synced(const std::string& path);
  // A completed, successful fsync of the directory dir.
  void dir_synced(const std::string& dir);
  void renamed(const std::string& from, const std::string& to);
  void unlinked(const std::string& path);

  bool covers(Lsn lsn) const;
  // The largest L such that every LSN in [from, L] is durable (from - 1 if from is not).
  Lsn covered_through(Lsn from) const;

 private:
  struct File {
    std::string image;
    std::set<Lsn> synced_lsns;  // in records covered by a completed fdatasync
    bool name_durable = false;
  };
  std::map<std::string, File> files_;
  std::set<Lsn> retired_;  // durable LSNs of segments since deleted
};

// IoHooks that keep a SyncLedger of everything the engine does; a base for hooks that also
// inject faults (faults/fault_point_hooks.h). Thread-safe.
class LedgerHooks : public IoHooks, public BugSwitch {
 public:
  void after(const IoEvent& ev, int result) override { record(ev, result, ev.length); }

  // The largest L such that every LSN in [from, L] is durable (from - 1 if from is not).
  Lsn covered_through(Lsn from) const;

  // For self-checks against the walkv_buggy library: ask the engine to misbehave.
  void inject(Bug bug);
  bool injected(Bug bug) const override;

 protected:
  // Feeds the ledger one completed operation (SyncLedger::record).
  void record(const IoEvent& ev, int result, std::uint64_t length);

 private:
  mutable std::mutex mu_;
  SyncLedger ledger_;        // GUARDED_BY(mu_)
  std::optional<Bug> bug_;   // GUARDED_BY(mu_)
};

}  // namespace walkv::test
