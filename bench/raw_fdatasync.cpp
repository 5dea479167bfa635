// BM_RawFdatasync*: the disk's own commit rate, the yardstick for every sync number.
//
// One thread appends a 116-byte record (a 16-byte key and a 100-byte value) and fdatasyncs,
// in a loop — exactly what a single sync writer with a perfect WAL would cost. Variants:
//   BM_RawFdatasync            the file was written in full (zeros) and fsynced beforehand,
//                              so each fdatasync flushes one data block and nothing else —
//                              what a preallocated, pre-zeroed WAL segment allows;
//   BM_RawFdatasyncGrowing     appends past the end of the file: every fdatasync must also
//                              journal the new file size (and, every ~35 appends, a block);
//   BM_RawFdatasyncFallocated  the file was fallocate()d but never written: each first write
//                              to a block converts an unwritten extent (a journal commit);
//   BM_RawFdatasyncBusyPeer    BM_RawFdatasync while another thread spins, so that a CPU is
//                              never idle. On some virtual machines an idle vCPU notices the
//                              disk's completion interrupt only at the next scheduler tick
//                              (4 ms at HZ=250); this variant shows how much of the
//                              BM_RawFdatasync time is that wake-up rather than the disk.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "latency_recorder.h"
#include "registry.h"
#include "temp_dir.h"
#include "workload.h"

namespace walkv::bench {
namespace {

constexpr std::size_t kRecordBytes = kKeyBytes + kValueBytes;
constexpr off_t kFileBytes = off_t{16} << 20;  // ~145k records: longer than any run needs

enum class Prepare { kWritten, kGrowing, kFallocated };

// Keeps one CPU busy for its lifetime.
class BusyPeer {
 public:
  BusyPeer()
      : thread_([this] {
          while (!stop_.load(std::memory_order_relaxed)) {
          }
        }) {}
  BusyPeer(const BusyPeer&) = delete;
  BusyPeer& operator=(const BusyPeer&) = delete;
  ~BusyPeer() {
    stop_.store(true, std::memory_order_relaxed);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Opens a fresh file prepared as `how` says. Returns the fd, or -1 with *error set.
int prepare_file(const std::string& path, Prepare how, std::string* error) {
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = errno_text("open");
    return -1;
  }
  bool ok = true;
  if (how == Prepare::kWritten) {
    const std::vector<char> zeros(1 << 20, 0);
    for (off_t off = 0; ok && off < kFileBytes; off += static_cast<off_t>(zeros.size())) {
      ok = ::pwrite(fd, zeros.data(), zeros.size(), off) == static_cast<ssize_t>(zeros.size());
    }
    if (!ok) *error = errno_text("pwrite");
  } else if (how == Prepare::kFallocated) {
    ok = ::fallocate(fd, 0, 0, kFileBytes) == 0;
    if (!ok) *error = errno_text("fallocate");
  }
  if (ok && ::fsync(fd) != 0) {
    ok = false;
    *error = errno_text("fsync");
  }
  if (ok) {
    // Make the directory entry durable too, so that no commit below pays for it.
    const std::string dir = path.substr(0, path.rfind('/'));
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dfd >= 0 && ::fsync(dfd) == 0;
    if (!ok) *error = errno_text("fsync dir");
    if (dfd >= 0) ::close(dfd);
  }
  if (!ok) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void bm_raw_fdatasync(benchmark::State& state, Prepare how, bool busy_peer) {
  std::string error;
  auto dir = TempDir::create("rawsync", &error);
  const int fd = dir ? prepare_file(dir->file("log"), how, &error) : -1;
  if (fd < 0) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::string record = std::string(Key(1).view()) + make_value(1);
  LatencyRecorder latency(1);
  LatencyHistogram& hist = latency.thread(0);
  off_t offset = 0;
  std::unique_ptr<BusyPeer> peer;
  if (busy_peer) peer = std::make_unique<BusyPeer>();
  for (auto _ : state) {
    const auto start = Clock::now();
    if (::pwrite(fd, record.data(), kRecordBytes, offset) != static_cast<ssize_t>(kRecordBytes)) {
      state.SkipWithError(errno_text("pwrite").c_str());
      break;
    }
    if (::fdatasync(fd) != 0) {
      state.SkipWithError(errno_text("fdatasync").c_str());
      break;
    }
    hist.record(Clock::now() - start);
    offset += static_cast<off_t>(kRecordBytes);
    // The written file is reused from the start rather than grown past its end.
    if (how != Prepare::kGrowing && offset + static_cast<off_t>(kRecordBytes) > kFileBytes) {
      offset = 0;
    }
  }
  peer.reset();
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
  latency.report(state);
}

}  // namespace

void register_raw_fdatasync(Registry& registry) {
  struct Variant {
    const char* name;
    Prepare how;
    bool busy_peer;
  };
  for (const Variant& v : {Variant{"BM_RawFdatasync", Prepare::kWritten, false},
                           Variant{"BM_RawFdatasyncGrowing", Prepare::kGrowing, false},
                           Variant{"BM_RawFdatasyncFallocated", Prepare::kFallocated, false},
                           Variant{"BM_RawFdatasyncBusyPeer", Prepare::kWritten, true}}) {
    const Prepare how = v.how;
    const bool busy_peer = v.busy_peer;
    if (auto* b = registry.add(v.name, 0, [how, busy_peer](benchmark::State& s) {
          bm_raw_fdatasync(s, how, busy_peer);
        })) {
      b->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace walkv::bench
