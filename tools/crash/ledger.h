// The I/O ledger: what the engine wrote, synced, created, renamed and unlinked, in order,
// kept in shared memory so the parent can read it after SIGKILLing the child.
//
// The child installs TrialLedgerHooks as Options::io_hooks. Each engine file operation appends a
// "before" entry (under a mutex, so ledger order is the order in which operations were
// issued) and, for most, an "after" entry with the result. A before(kWrite) entry carries
// the pre-image: the bytes the write is about to overwrite (read with pread from the same
// fd), so the parent can revert any 512-byte sector of it. An entry becomes visible to the
// parent only once complete (the committed end is published with a release store), so a
// kill in the middle of an append loses only that entry — and an operation whose before()
// entry is missing never ran.
//
// Files are identified by inode (st_dev, st_ino), not by name, because a power cut undoes
// names (directory entries) and contents (data blocks) independently. Before an unlink, or
// a rename over an existing file, the hooks hard-link the victim into a shadow directory so
// that its content is still there if the power cut brings the name back.
//
// The region is bounded. When an entry does not fit, the ledger sets `overflow` and records
// nothing more; the parent then reports the trial as unusable instead of guessing.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "bug_switch.h"
#include "walkv/io_hooks.h"

namespace walkv::crash {


struct FileId {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  bool operator==(const FileId&) const = default;
  auto operator<=>(const FileId&) const = default;
};

enum class Phase : std::uint8_t { kBefore = 0, kAfter = 1 };

inline constexpr std::uint8_t kFlagPreZero = 1;    // pre-image is all zero (bytes not stored)
inline constexpr std::uint8_t kFlagHasFile = 2;    // `file` is known
inline constexpr std::uint8_t kFlagHasTarget = 4;  // rename replaced an existing `target`

// One ledger entry as the parent sees it. `pre` points into the shared region.
struct LedgerEntry {
  Phase phase = Phase::kBefore;
  IoOp op = IoOp::kWrite;
  bool via_uring = false;
  std::uint8_t flags = 0;
  std::uint32_t id = 0;  // before: its own id; after: the id of its before entry (0: none)
  int result = 0;        // after: 0 or errno
  FileId file;           // the file (kDirSync: the directory; kRename: the source)
  FileId target;         // kRename: the inode that path2 named before (kFlagHasTarget)
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint64_t size_before = 0;  // file size when before() ran (kWrite, kTruncate)
  std::uint64_t t_ns = 0;        // when the entry was appended (ledger order)
  std::uint64_t t_enter_ns = 0;  // when the hook was called (t_ns minus the hook's own work)
  std::string path;
  std::string path2;
  std::uint32_t pre_len = 0;  // pre-image bytes that existed (beyond them: past EOF)
  std::string_view pre;       // the pre-image bytes, empty when kFlagPreZero
  bool pre_zero() const { return flags & kFlagPreZero; }
};

struct LedgerContents {
  bool overflow = false;
  std::vector<LedgerEntry> entries;
};

// A MAP_SHARED memfd region, created by the parent and inherited by the child.
class SharedRegion {
 public:
  SharedRegion() = default;
  ~SharedRegion();
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;

  // Creates a zeroed region of `bytes` and initialises the ledger header. Empty string on
  // success, else the error.
  std::string create(std::size_t bytes);
  // Maps an inherited region (child side).
  std::string attach(int fd);

  int fd() const { return fd_; }
  void* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  int fd_ = -1;
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// Parses a ledger region. Returns an empty string on success, else why it is unreadable.
std::string read_ledger(const void* base, std::size_t size, LedgerContents* out);

// The child's IoHooks. Thread-safe. `region` may be null: then only injected() acts
// (the recovery process of the buggy binary needs the bug without a ledger). Without
// `undo_data` (kill trials) entries carry no pre-images and nothing is preserved: the
// ledger then only times the engine's writes and fdatasyncs.
//
// A region may be shared by processes that run one after another on the same directory
// (a crashed writer, then a recovery): the hooks append after the entries already there,
// and their ids continue after the highest one, so that one power cut can be applied to
// what all of them did (a power cut takes the page cache, whoever wrote it).
class TrialLedgerHooks final : public IoHooks, public BugSwitch {
 public:
  TrialLedgerHooks(void* region, std::size_t size, std::string shadow_dir, bool undo_data,
              std::optional<Bug> bug);

  int before(const IoEvent& ev) override;
  void after(const IoEvent& ev, int result) override;
  bool injected(Bug b) const override { return bug_ && *bug_ == b; }

 private:
  using PairKey = std::tuple<int, int, std::uint64_t, std::uint64_t, std::string>;
  static PairKey pair_key(const IoEvent& ev);
  void preserve(const std::string& path, const FileId& id);
  // REQUIRES: mu_ held.
  void append(const LedgerEntry& e, const void* pre_bytes);

  char* base_;
  std::size_t size_;
  std::string shadow_dir_;
  bool undo_data_;
  std::optional<Bug> bug_;
  std::mutex mu_;
  std::uint32_t next_id_ = 1;                             // GUARDED_BY(mu_)
  std::map<PairKey, std::deque<std::uint32_t>> open_;     // GUARDED_BY(mu_)
};

std::string shadow_name(const FileId& id);  // "ino-<dev>-<ino>"

// The committed bytes of a ledger region (to keep beside a failing trial as ledger.bin).
std::string_view ledger_bytes(const void* base, std::size_t size);

// One line per entry, time relative to the first entry: for `walkv-crash __ledger FILE`.
std::string format_ledger(const LedgerContents& ledger);

}  // namespace walkv::crash
