#include "power_cut.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>

#include <fmt/format.h>

#include "rng.h"
#include "sys_error.h"

namespace walkv::crash {

namespace {

constexpr std::uint64_t kSector = 512;

bool stat_id(const std::string& path, FileId* id) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  return true;
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A file opened for rewriting; closes on scope exit.
class File {
 public:
  explicit File(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CLOEXEC)) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool write_at(std::uint64_t off, const char* p, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      off += static_cast<std::uint64_t>(w);
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  std::uint64_t size() const {
    struct stat st {};
    return ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  bool resize(std::uint64_t n) { return ::ftruncate(fd_, static_cast<off_t>(n)) == 0; }

 private:
  int fd_;
};

// The bytes [from, to) of what a write or truncate replaced, as absolute file offsets.
// Pre-image bytes beyond pre_len were past the end of the file: they read as zeros.
std::string pre_image_slice(const LedgerEntry& e, std::uint64_t from, std::uint64_t to) {
  std::string out(to - from, '\0');
  if (e.pre_zero()) return out;
  for (std::uint64_t off = from; off < to; ++off) {
    const std::uint64_t rel = off - e.offset;
    if (rel < e.pre.size()) out[off - from] = e.pre[rel];
  }
  return out;
}

struct FileState {
  std::map<std::uint64_t, bool> settled;  // sector -> a version has been chosen
  std::uint64_t size_cap = UINT64_MAX;    // a kept truncate: older bytes beyond are gone
};

// Where each inode can be reached now: its name in the directory or its shadow link.
std::string locate_inodes(const std::string& db_dir, const std::string& shadow_dir,
                          std::map<FileId, std::string>* where) {
  for (const auto* dir : {&shadow_dir, &db_dir}) {  // names in db_dir win
    std::error_code ec;
    for (const auto& de : std::filesystem::directory_iterator(*dir, ec)) {
      FileId id;
      if (de.is_regular_file() && stat_id(de.path().string(), &id)) {
        (*where)[id] = de.path().string();
      }
    }
    if (ec) return fmt::format("list {}: {}", *dir, ec.message());
  }
  return {};
}

// True if the file holds, somewhere in the range of write `e`, a byte other than what the
// write replaced: the write ran. (A write of exactly the bytes it replaced proves nothing.)
bool write_visible(const LedgerEntry& e, const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string now(e.length, '\0');
  std::size_t got = 0;
  while (got < now.size()) {
    const ssize_t n = ::pread(fd, now.data() + got, now.size() - got,
                              static_cast<off_t>(e.offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  now.resize(got);
  return now != pre_image_slice(e, e.offset, e.offset + got);
}

}  // namespace

std::vector<LedgerEntry> linked_completions(const LedgerContents& ledger,
                                            const std::string& db_dir,
                                            const std::string& shadow_dir, std::string* error) {
  const auto& E = ledger.entries;
  // The chain in flight: io_uring operations submitted after the last io_uring completion
  // the ledger saw, and never completed.
  std::set<std::uint32_t> completed;
  std::size_t first = 0;
  for (std::size_t i = 0; i < E.size(); ++i) {
    if (E[i].phase != Phase::kAfter) continue;
    if (E[i].id != 0) completed.insert(E[i].id);
    if (E[i].via_uring) first = i + 1;
  }
  std::vector<const LedgerEntry*> chain;
  for (std::size_t i = first; i < E.size(); ++i) {
    const auto& e = E[i];
    if (e.phase == Phase::kBefore && e.via_uring && !completed.count(e.id)) chain.push_back(&e);
  }
  if (chain.empty()) return {};
  std::map<FileId, std::string> where;
  if (auto err = locate_inodes(db_dir, shadow_dir, &where); !err.empty()) {
    *error = err;
    return {};
  }
  std::size_t proven = 0;  // chain[0, proven) completed
  for (std::size_t k = 0; k < chain.size(); ++k) {
    const LedgerEntry& e = *chain[k];
    if (e.op != IoOp::kWrite || !(e.flags & kFlagHasFile) || e.length == 0) continue;
    auto it = where.find(e.file);
    if (it != where.end() && write_visible(e, it->second)) proven = k + 1;
  }
  std::vector<LedgerEntry> out;
  for (std::size_t k = 0; k < proven; ++k) {
    LedgerEntry a;
    a.phase = Phase::kAfter;
    a.op = chain[k]->op;
    a.via_uring = true;
    a.flags = chain[k]->flags & kFlagHasFile;
    a.id = chain[k]->id;
    a.result = 0;
    a.file = chain[k]->file;
    a.offset = chain[k]->offset;
    a.length = chain[k]->length;
    a.t_ns = a.t_enter_ns = chain[k]->t_ns;
    a.path = chain[k]->path;
    out.push_back(std::move(a));
  }
  return out;
}

std::string apply_power_cut(const LedgerContents& ledger, const std::string& db_dir,
                            const std::string& shadow_dir, std::uint64_t seed,
                            const PowerCutOptions& options, PowerCutReport* report) {
  const auto& E = ledger.entries;
  Rng rng(seed);

  // Results of completed operations, by the id of their before() entry.
  std::unordered_map<std::uint32_t, int> result_of;
  for (const auto& e : E) {
    if (e.phase == Phase::kAfter && e.id != 0) result_of[e.id] = e.result;
  }
  auto succeeded = [&](const LedgerEntry& e) {
    auto it = result_of.find(e.id);
    return it != result_of.end() && it->second == 0;
  };

  // Last successful fsync (by before() position) per file and per directory.
  std::map<FileId, std::size_t> synced_at;
  for (std::size_t i = 0; i < E.size(); ++i) {
    const auto& e = E[i];
    if (e.phase != Phase::kBefore || !(e.flags & kFlagHasFile)) continue;
    if ((e.op == IoOp::kSync || e.op == IoOp::kDirSync) && succeeded(e)) synced_at[e.file] = i;
  }
  auto after_sync = [&](const FileId& f, std::size_t i) {
    auto it = synced_at.find(f);
    return it == synced_at.end() || i > it->second;
  };

  std::map<FileId, std::string> where;
  if (auto err = locate_inodes(db_dir, shadow_dir, &where); !err.empty()) return err;

  // 1. File contents: unsynced writes and truncates, newest first, per inode.
  std::map<FileId, std::vector<std::size_t>> unsynced;
  for (std::size_t i = 0; i < E.size(); ++i) {
    const auto& e = E[i];
    if (e.phase != Phase::kBefore || !(e.flags & kFlagHasFile)) continue;
    if (e.op != IoOp::kWrite && e.op != IoOp::kTruncate) continue;
    if (after_sync(e.file, i)) unsynced[e.file].push_back(i);
  }
  for (auto& [id, events] : unsynced) {
    auto path_it = where.find(id);
    if (path_it == where.end()) {
      // Created, written and unlinked without a shadow (cannot happen: unlink preserves).
      report->notes.push_back(fmt::format("inode {} written after its last sync is gone", id.ino));
      continue;
    }
    File f(path_it->second);
    if (!f.ok()) return fmt::format("open {}: {}", path_it->second, errno_text(errno));
    ++report->files_with_unsynced_writes;
    FileState st;
    bool newest = true;
    for (auto rit = events.rbegin(); rit != events.rend(); ++rit) {
      const auto& e = E[*rit];
      if (e.op == IoOp::kTruncate) {
        const std::uint64_t from = e.offset, to = std::max(e.size_before, e.offset);
        if (rng.percent(options.sector_keep_percent)) {
          st.size_cap = std::min(st.size_cap, from);
          continue;
        }
        if (f.size() < to && to <= st.size_cap && !f.resize(to)) {
          return fmt::format("extend {}: {}", path_it->second, errno_text(errno));
        }
        for (std::uint64_t s = from / kSector; s * kSector < to; ++s) {
          if (st.settled[s]) continue;
          const std::uint64_t a = std::max(from, s * kSector);
          const std::uint64_t b = std::min({to, (s + 1) * kSector, st.size_cap});
          if (a >= b) continue;
          const auto old = pre_image_slice(e, a, b);
          if (!f.write_at(a, old.data(), old.size())) return "rewrite failed";
        }
        continue;
      }
      ++report->unsynced_writes;
      const std::uint64_t end = e.offset + e.length;
      for (std::uint64_t s = e.offset / kSector; s * kSector < end; ++s) {
        if (st.settled[s]) continue;
        const std::uint64_t a = std::max(e.offset, s * kSector);
        const std::uint64_t b = std::min({end, (s + 1) * kSector, st.size_cap});
        if (a >= b) continue;
        const bool last_sector_of_newest = newest && (s + 1) * kSector >= end;
        if (last_sector_of_newest && b - a >= 2 && rng.percent(options.tear_percent)) {
          // Torn: the new bytes reached the disk up to the cut, the rest is old.
          const std::uint64_t cut = rng.between(a + 1, b - 1);
          const auto old = pre_image_slice(e, cut, b);
          if (!f.write_at(cut, old.data(), old.size())) return "rewrite failed";
          st.settled[s] = true;
          ++report->sectors_torn;
          continue;
        }
        if (rng.percent(options.sector_keep_percent)) {
          st.settled[s] = true;
          ++report->sectors_kept;
          continue;
        }
        const auto old = pre_image_slice(e, a, b);
        if (!f.write_at(a, old.data(), old.size())) return "rewrite failed";
        ++report->sectors_reverted;
      }
      newest = false;
    }
  }

  // 2. Directory operations after the directory's last fsync: a seeded prefix survives.
  FileId db_dir_id;
  if (!stat_id(db_dir, &db_dir_id)) return fmt::format("stat {}", db_dir);
  struct DirOp {
    std::size_t index;
    const LedgerEntry* e;
    FileId file;
  };
  std::vector<DirOp> ops;
  for (std::size_t i = 0; i < E.size(); ++i) {
    const auto& e = E[i];
    if (e.phase != Phase::kBefore) continue;
    if (e.op != IoOp::kCreate && e.op != IoOp::kRename && e.op != IoOp::kUnlink) continue;
    FileId dir;
    if (!stat_id(parent_dir(e.path), &dir) || dir != db_dir_id) {
      report->notes.push_back(fmt::format("{} {} is outside the database directory: kept",
                                          io_op_name(e.op), e.path));
      continue;
    }
    if (!after_sync(db_dir_id, i)) continue;
    FileId file = e.file;
    const bool has_after = result_of.count(e.id) > 0;
    bool happened = succeeded(e);
    if (e.op == IoOp::kCreate) {
      // The inode is learned after the create; a create killed midway is judged by the name.
      for (std::size_t j = i + 1; j < E.size(); ++j) {
        if (E[j].phase == Phase::kAfter && E[j].id == e.id && (E[j].flags & kFlagHasFile)) {
          file = E[j].file;
          break;
        }
      }
      if (!has_after) happened = stat_id(e.path, &file);
    } else if (!has_after) {
      FileId now;
      happened = e.op == IoOp::kUnlink ? !stat_id(e.path, &now)
                                       : (stat_id(e.path2, &now) && now == e.file);
    }
    if (happened) ops.push_back({i, &e, file});
  }
  report->dir_ops_unsynced = ops.size();
  const std::size_t keep =
      ops.empty() || options.undo_unsynced_dir_ops ? 0 : rng.between(0, ops.size());
  for (std::size_t k = ops.size(); k-- > keep;) {
    const auto& e = *ops[k].e;
    const FileId& file = ops[k].file;
    FileId now;
    ++report->dir_ops_undone;
    switch (e.op) {
      case IoOp::kCreate:
        if (stat_id(e.path, &now) && now == file) {
          if (::unlink(e.path.c_str()) != 0) return fmt::format("unlink {}", e.path);
        }
        report->notes.push_back(fmt::format("undone: create {}", e.path));
        break;
      case IoOp::kRename:
        if (stat_id(e.path2, &now) && now == e.file) {
          if (::rename(e.path2.c_str(), e.path.c_str()) != 0) {
            return fmt::format("rename {} back: {}", e.path2, errno_text(errno));
          }
        }
        if (e.flags & kFlagHasTarget) {
          const std::string shadow = shadow_dir + "/" + shadow_name(e.target);
          if (::link(shadow.c_str(), e.path2.c_str()) != 0) {
            return fmt::format("restore {}: {}", e.path2, errno_text(errno));
          }
        }
        report->notes.push_back(fmt::format("undone: rename {} -> {}", e.path, e.path2));
        break;
      case IoOp::kUnlink:
        if (!stat_id(e.path, &now) && (e.flags & kFlagHasFile)) {
          const std::string shadow = shadow_dir + "/" + shadow_name(e.file);
          if (::link(shadow.c_str(), e.path.c_str()) != 0) {
            return fmt::format("restore {}: {}", e.path, errno_text(errno));
          }
        }
        report->notes.push_back(fmt::format("undone: unlink {}", e.path));
        break;
      default:
        break;
    }
  }
  return {};
}

}  // namespace walkv::crash
