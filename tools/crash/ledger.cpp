#include "ledger.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "sys_error.h"

namespace walkv::crash {

std::string shadow_name(const FileId& id) { return fmt::format("ino-{}-{}", id.dev, id.ino); }

namespace {

constexpr std::uint64_t kMagic = 0x52474445'4C564B57ULL;  // "WKVLEDGR"

struct RegionHeader {
  std::uint64_t magic;
  std::uint64_t capacity;
  std::atomic<std::uint64_t> end;  // committed bytes, counted from the region's start
  std::atomic<std::uint32_t> overflow;
  std::uint32_t pad;
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
constexpr std::size_t kFirstEntry = (sizeof(RegionHeader) + 7) & ~std::size_t{7};

struct WireEntry {
  std::uint32_t size;  // whole entry, 8-aligned
  std::uint8_t phase, op, via_uring, flags;
  std::uint32_t id;
  std::int32_t result;
  std::uint64_t dev, ino, dev2, ino2;
  std::uint64_t offset, length, size_before, t_ns, t_enter_ns;
  std::uint32_t path_len, path2_len, pre_len, pre_stored;
};

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

bool identify(int fd, const std::string& path, FileId* id, std::uint64_t* size) {
  struct stat st {};
  const int rc = fd >= 0 ? ::fstat(fd, &st) : ::stat(path.c_str(), &st);
  if (rc != 0) return false;
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  if (size) *size = static_cast<std::uint64_t>(st.st_size);
  return true;
}

// Reads up to `len` bytes at `off`; returns how many existed (stops at EOF).
std::size_t read_pre_image(int fd, std::uint64_t off, char* buf, std::size_t len) {
  std::size_t done = 0;
  while (done < len) {
    const ssize_t n = ::pread(fd, buf + done, len - done, static_cast<off_t>(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

bool all_zero(const char* p, std::size_t n) {
  static const char kZeros[4096] = {};
  while (n > 0) {
    const std::size_t k = std::min(n, sizeof kZeros);
    if (std::memcmp(p, kZeros, k) != 0) return false;
    p += k;
    n -= k;
  }
  return true;
}

}  // namespace

SharedRegion::~SharedRegion() {
  if (data_) ::munmap(data_, size_);
  if (fd_ >= 0) ::close(fd_);
}

std::string SharedRegion::create(std::size_t bytes) {
  fd_ = ::memfd_create("walkv-crash-ledger", MFD_CLOEXEC);
  if (fd_ < 0) return fmt::format("memfd_create: {}", errno_text(errno));
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
    return fmt::format("ftruncate ledger to {} bytes: {}", bytes, errno_text(errno));
  }
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) return fmt::format("mmap ledger: {}", errno_text(errno));
  data_ = p;
  size_ = bytes;
  auto* h = new (data_) RegionHeader{};
  h->magic = kMagic;
  h->capacity = bytes;
  h->end.store(kFirstEntry, std::memory_order_release);
  h->overflow.store(0, std::memory_order_release);
  return {};
}

std::string SharedRegion::attach(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fmt::format("fstat ledger fd {}: {}", fd, errno_text(errno));
  void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return fmt::format("mmap ledger: {}", errno_text(errno));
  fd_ = fd;
  data_ = p;
  size_ = static_cast<std::size_t>(st.st_size);
  if (static_cast<RegionHeader*>(data_)->magic != kMagic) return "ledger region has no header";
  return {};
}

std::string_view ledger_bytes(const void* base, std::size_t size) {
  if (size < kFirstEntry) return {};
  const auto* h = static_cast<const RegionHeader*>(base);
  const std::uint64_t end = std::min<std::uint64_t>(h->end.load(std::memory_order_acquire), size);
  return std::string_view(static_cast<const char*>(base), end);
}

std::string format_ledger(const LedgerContents& ledger) {
  std::string out;
  if (ledger.overflow) out += "(the ledger overflowed: entries after the last one are missing)\n";
  const std::uint64_t t0 = ledger.entries.empty() ? 0 : ledger.entries.front().t_ns;
  for (std::size_t i = 0; i < ledger.entries.size(); ++i) {
    const auto& e = ledger.entries[i];
    const auto slash = e.path.find_last_of('/');
    std::string name = slash == std::string::npos ? e.path : e.path.substr(slash + 1);
    if (!e.path2.empty()) name += " -> " + e.path2.substr(e.path2.find_last_of('/') + 1);
    out += fmt::format("{:6} {:10.3f}ms {:6} {:<9} id={:<6} ", i,
                       static_cast<double>(e.t_ns - t0) / 1e6,
                       e.phase == Phase::kBefore ? "before" : "after", io_op_name(e.op), e.id);
    if (e.phase == Phase::kAfter) out += fmt::format("result={} ", e.result);
    if (e.op == IoOp::kWrite || e.op == IoOp::kFallocate || e.op == IoOp::kTruncate) {
      out += fmt::format("[{}, +{}) ", e.offset, e.length);
    }
    if (e.phase == Phase::kBefore && e.op == IoOp::kWrite) {
      out += e.pre_zero() ? "pre=zero " : fmt::format("pre={}B ", e.pre_len);
    }
    if (e.via_uring) out += "uring ";
    if (e.t_ns > e.t_enter_ns + 1000000) {
      out += fmt::format("(hook took {:.1f} ms) ", static_cast<double>(e.t_ns - e.t_enter_ns) / 1e6);
    }
    out += fmt::format("ino={} {}\n", e.file.ino, name);
  }
  return out;
}

std::string read_ledger(const void* base, std::size_t size, LedgerContents* out) {
  const auto* bytes = static_cast<const char*>(base);
  if (size < kFirstEntry) return "ledger region too small";
  const auto* h = static_cast<const RegionHeader*>(base);
  if (h->magic != kMagic) return "ledger region has a bad magic number";
  out->overflow = h->overflow.load(std::memory_order_acquire) != 0;
  const std::uint64_t end = h->end.load(std::memory_order_acquire);
  if (end > size) return "ledger end beyond the region";
  std::uint64_t pos = kFirstEntry;
  while (pos < end) {
    if (end - pos < sizeof(WireEntry)) return fmt::format("truncated entry at {}", pos);
    WireEntry w;
    std::memcpy(&w, bytes + pos, sizeof w);
    const std::uint64_t need = sizeof w + std::uint64_t{w.path_len} + w.path2_len + w.pre_stored;
    if (w.size < need || w.size > end - pos) return fmt::format("bad entry size at {}", pos);
    LedgerEntry e;
    e.phase = static_cast<Phase>(w.phase);
    e.op = static_cast<IoOp>(w.op);
    e.via_uring = w.via_uring != 0;
    e.flags = w.flags;
    e.id = w.id;
    e.result = w.result;
    e.file = {w.dev, w.ino};
    e.target = {w.dev2, w.ino2};
    e.offset = w.offset;
    e.length = w.length;
    e.size_before = w.size_before;
    e.t_ns = w.t_ns;
    e.t_enter_ns = w.t_enter_ns;
    const char* p = bytes + pos + sizeof w;
    e.path.assign(p, w.path_len);
    p += w.path_len;
    e.path2.assign(p, w.path2_len);
    p += w.path2_len;
    e.pre_len = w.pre_len;
    e.pre = std::string_view(p, w.pre_stored);
    out->entries.push_back(std::move(e));
    pos += w.size;
  }
  return {};
}

TrialLedgerHooks::TrialLedgerHooks(void* region, std::size_t size, std::string shadow_dir,
                         bool undo_data, std::optional<Bug> bug)
    : base_(static_cast<char*>(region)), size_(size), shadow_dir_(std::move(shadow_dir)),
      undo_data_(undo_data), bug_(bug) {
  // Continue a ledger an earlier process left: an after() entry names its before() by id,
  // so ids must not repeat within a region.
  const std::string_view bytes = base_ ? ledger_bytes(base_, size_) : std::string_view();
  for (std::uint64_t pos = kFirstEntry; pos + sizeof(WireEntry) <= bytes.size();) {
    WireEntry w;
    std::memcpy(&w, bytes.data() + pos, sizeof w);
    if (w.size < sizeof w) break;  // read_ledger reports a damaged region
    next_id_ = std::max(next_id_, w.id + 1);
    pos += w.size;
  }
}

TrialLedgerHooks::PairKey TrialLedgerHooks::pair_key(const IoEvent& ev) {
  // Name-based operations pair by name only: their fd (if any) may be set after the call.
  switch (ev.op) {
    case IoOp::kCreate:
    case IoOp::kRename:
    case IoOp::kUnlink:
    case IoOp::kDirSync:
      return {static_cast<int>(ev.op), -1, 0, 0, ev.path};
    default:
      return {static_cast<int>(ev.op), ev.fd, ev.offset, ev.length, ev.path};
  }
}

void TrialLedgerHooks::preserve(const std::string& path, const FileId& id) {
  const std::string dst = shadow_dir_ + "/" + shadow_name(id);
  // EEXIST: the inode is already preserved under its name.
  (void)::link(path.c_str(), dst.c_str());
}

void TrialLedgerHooks::append(const LedgerEntry& e, const void* pre_bytes) {
  auto* h = reinterpret_cast<RegionHeader*>(base_);
  if (h->overflow.load(std::memory_order_relaxed)) return;
  WireEntry w{};
  w.phase = static_cast<std::uint8_t>(e.phase);
  w.op = static_cast<std::uint8_t>(e.op);
  w.via_uring = e.via_uring ? 1 : 0;
  w.flags = e.flags;
  w.id = e.id;
  w.result = e.result;
  w.dev = e.file.dev;
  w.ino = e.file.ino;
  w.dev2 = e.target.dev;
  w.ino2 = e.target.ino;
  w.offset = e.offset;
  w.length = e.length;
  w.size_before = e.size_before;
  w.t_ns = e.t_ns;
  w.t_enter_ns = e.t_enter_ns;
  w.path_len = static_cast<std::uint32_t>(e.path.size());
  w.path2_len = static_cast<std::uint32_t>(e.path2.size());
  w.pre_len = e.pre_len;
  w.pre_stored = pre_bytes ? e.pre_len : 0;
  const std::uint64_t raw = sizeof w + std::uint64_t{w.path_len} + w.path2_len + w.pre_stored;
  const std::uint64_t total = (raw + 7) & ~std::uint64_t{7};
  const std::uint64_t pos = h->end.load(std::memory_order_relaxed);
  if (total > size_ - pos || total > UINT32_MAX) {
    h->overflow.store(1, std::memory_order_release);
    return;
  }
  w.size = static_cast<std::uint32_t>(total);
  char* p = base_ + pos;
  std::memcpy(p, &w, sizeof w);
  p += sizeof w;
  std::memcpy(p, e.path.data(), e.path.size());
  p += e.path.size();
  std::memcpy(p, e.path2.data(), e.path2.size());
  p += e.path2.size();
  if (w.pre_stored) std::memcpy(p, pre_bytes, w.pre_stored);
  h->end.store(pos + total, std::memory_order_release);
}

int TrialLedgerHooks::before(const IoEvent& ev) {
  if (!base_ || ev.op == IoOp::kRead || ev.op == IoOp::kOpen) return 0;
  LedgerEntry e;
  e.t_enter_ns = now_ns();
  e.phase = Phase::kBefore;
  e.op = ev.op;
  e.via_uring = ev.via_uring;
  e.offset = ev.offset;
  e.length = ev.length;
  e.path = ev.path;
  if (ev.path2) e.path2 = *ev.path2;

  // Gather what the parent needs to undo this operation, before it runs. The buffer is
  // reused: this runs in the engine's flusher, on the path the loss window measures.
  thread_local std::vector<char> pre;
  bool stored = false;
  switch (ev.op) {
    case IoOp::kWrite:
    case IoOp::kTruncate:
    case IoOp::kFallocate:
    case IoOp::kSync:
    case IoOp::kDirSync: {
      if (identify(ev.fd, ev.path, &e.file, &e.size_before)) e.flags |= kFlagHasFile;
      std::uint64_t from = ev.offset, len = 0;
      if (ev.op == IoOp::kWrite) len = ev.length;
      if (ev.op == IoOp::kTruncate && e.size_before > ev.offset) len = e.size_before - ev.offset;
      if (len > 0 && undo_data_ && (e.flags & kFlagHasFile)) {
        int fd = ev.fd;
        int own = -1;
        if (fd < 0) fd = own = ::open(ev.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
          if (pre.size() < len) pre.resize(len);
          e.pre_len = static_cast<std::uint32_t>(read_pre_image(fd, from, pre.data(), len));
          if (own >= 0) ::close(own);
          if (all_zero(pre.data(), e.pre_len)) e.flags |= kFlagPreZero; else stored = true;
        }
      }
      break;
    }
    case IoOp::kRename: {
      if (identify(-1, ev.path, &e.file, nullptr)) e.flags |= kFlagHasFile;
      if (ev.path2 && identify(-1, *ev.path2, &e.target, nullptr)) {
        e.flags |= kFlagHasTarget;
        if (undo_data_) preserve(*ev.path2, e.target);
      }
      break;
    }
    case IoOp::kUnlink: {
      if (identify(-1, ev.path, &e.file, nullptr)) {
        e.flags |= kFlagHasFile;
        if (undo_data_) preserve(ev.path, e.file);
      }
      break;
    }
    case IoOp::kCreate:
    case IoOp::kOpen:
    case IoOp::kRead:
    case IoOp::kWriteback:  // changes no bytes and makes none durable: nothing to undo
      break;
  }

  std::lock_guard lock(mu_);
  e.id = next_id_++;
  e.t_ns = now_ns();
  open_[pair_key(ev)].push_back(e.id);
  append(e, stored ? pre.data() : nullptr);
  return 0;
}

void TrialLedgerHooks::after(const IoEvent& ev, int result) {
  if (!base_ || ev.op == IoOp::kRead || ev.op == IoOp::kOpen) return;
  LedgerEntry e;
  e.t_enter_ns = now_ns();
  e.phase = Phase::kAfter;
  e.op = ev.op;
  e.via_uring = ev.via_uring;
  e.result = result;
  e.offset = ev.offset;
  e.length = ev.length;
  e.path = ev.path;
  if (ev.path2) e.path2 = *ev.path2;
  if (ev.op == IoOp::kCreate && result == 0 && identify(ev.fd, ev.path, &e.file, nullptr)) {
    e.flags |= kFlagHasFile;
  }
  std::lock_guard lock(mu_);
  auto it = open_.find(pair_key(ev));
  if (it != open_.end()) {
    e.id = it->second.front();
    it->second.pop_front();
    if (it->second.empty()) open_.erase(it);
  }
  e.t_ns = now_ns();
  append(e, nullptr);
}

}  // namespace walkv::crash
