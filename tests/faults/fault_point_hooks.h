// FaultPointHooks: names every I/O operation the engine performs, fails exactly one of them
// on request, and (as test::LedgerHooks) keeps a ledger of what really reached stable
// storage.
//
// An operation is named by (kind, file, ordinal): the file relative to the database
// directory ("." for the directory itself) and the count of earlier operations of the same
// kind on the same file. Unlike a global ordinal, that name survives the interleaving of
// engine threads (the segment preparer runs beside the committing writer), so the operation
// a counting pass saw is found again when the same scenario reruns with a fault armed.
//
// Thread-safe: the engine calls before()/after() from any of its threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/sync_ledger.h"
#include "walkv/io_hooks.h"

namespace walkv::faults {

enum class Fault : unsigned char {
  kEio,         // the operation fails with EIO without running
  kEnospc,      // ... with ENOSPC
  kShortWrite,  // a write writes only the first half of its bytes
};
const char* fault_name(Fault fault);
// The errno a fault injects (0 for a short write).
int fault_errno(Fault fault);

struct OpPoint {
  IoOp op = IoOp::kWrite;
  std::string file;            // relative to the database directory; "." is the directory
  std::uint64_t ordinal = 0;   // earlier operations of this kind on this file
  bool via_uring = false;      // as seen (an io_uring flusher operation)
  std::uint64_t length = 0;    // bytes, for writes

  bool same_point(const OpPoint& o) const {
    return op == o.op && ordinal == o.ordinal && file == o.file;
  }
  // "write wal-0000000000000001.log #3 (io_uring)"
  std::string label() const;
  // The operation's kind as the fault table shows it: "write", "write (io_uring)", ...
  std::string kind() const;
};

class FaultPointHooks : public test::LedgerHooks {
 public:
  explicit FaultPointHooks(std::string dir) : dir_(std::move(dir)) {}

  // Fail the operation named `target` (kind, file, ordinal) with `fault`, once.
  void arm(const OpPoint& target, Fault fault);

  int before(const IoEvent& ev) override;
  void after(const IoEvent& ev, int result) override;

  // Every operation before() saw, in order.
  std::vector<OpPoint> seen() const;
  // The armed operation, as it was met (nullopt: not reached).
  std::optional<OpPoint> fired() const;

 private:
  std::string relative(const std::string& path) const;

  const std::string dir_;
  mutable std::mutex mu_;
  std::optional<OpPoint> target_;  // GUARDED_BY(mu_)
  Fault fault_ = Fault::kEio;      // GUARDED_BY(mu_)
  std::optional<OpPoint> fired_;   // GUARDED_BY(mu_)
  std::vector<OpPoint> seen_;      // GUARDED_BY(mu_)
  std::map<std::pair<IoOp, std::string>, std::uint64_t> ordinals_;  // GUARDED_BY(mu_)
  // Writes made short by before(), by (path, offset): the length that really ran. The POSIX
  // path's after() reports the requested length, so the ledger must learn it here.
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> shortened_;  // GUARDED_BY(mu_)
};

}  // namespace walkv::faults
