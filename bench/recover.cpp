// BM_Recover — DB::open() replaying a WAL of at least 256 MiB from the page cache.
//
// Once per process: write fillrandom-shaped puts (one WAL record each) until the WAL passes
// 256 MiB, about 1.8M records, in async mode with automatic checkpoints off, so that the
// whole log must be replayed; sync() and close; read every file once so the page cache is
// warm. Each iteration then times one DB::open()
// (replay, tail check, whatever the engine does before open() returns); closing is untimed.
//
// Counters: bytes_per_second (WAL bytes written by the loader, all of which are replayed),
// records_per_second, and replay_ms: the engine's own RecoveryReport::duration_ms — all
// means over the iterations. Also open_ms_p50, the median open, and mb_per_s_p50, the WAL's
// bytes (10^6) per second at that median: on the VMs walkv is measured on, an open now and
// then meets memory that the host has to back anew and takes 2-5 times as long, and one
// such open moves the mean of a few dozen.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <walkv/db.h>

#include "registry.h"
#include "temp_dir.h"
#include "workload.h"

namespace walkv::bench {
namespace {

constexpr std::uint64_t kMinWalBytes = std::uint64_t{256} << 20;

Options recover_options() {
  Options options;
  options.mode = CommitMode::kAsync;
  options.checkpoint_wal_bytes = 0;  // never: recovery must replay the whole log
  return options;
}

struct WrittenWal {
  std::unique_ptr<TempDir> dir;
  std::uint64_t wal_bytes = 0;
  std::uint64_t records = 0;
};

// Reads every file under dir so that the timed opens read from the page cache.
void warm_page_cache(const std::string& dir) {
  std::vector<char> buf(1 << 20);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    while (::read(fd, buf.data(), buf.size()) > 0) {
    }
    ::close(fd);
  }
}

WrittenWal* written_wal(std::string* error) {
  static std::unique_ptr<WrittenWal> written;
  if (written) return written.get();
  auto w = std::make_unique<WrittenWal>();
  w->dir = TempDir::create("recover", error);
  if (!w->dir) return nullptr;
  {
    auto db = DB::open(w->dir->path(), recover_options());
    if (!db.ok()) {
      *error = db.status().ToString();
      return nullptr;
    }
    const std::string value = make_value(3);
    KeyStream keys(0);
    const Stats start = db.value()->stats();
    std::uint64_t bytes = 0;
    while (bytes < kMinWalBytes + (kMinWalBytes >> 4)) {
      for (int i = 0; i < 100'000; ++i) {
        auto lsn = db.value()->put(keys.next(), value);
        if (!lsn.ok()) {
          *error = lsn.status().ToString();
          return nullptr;
        }
        ++w->records;
      }
      auto synced = db.value()->sync();
      if (!synced.ok()) {
        *error = synced.status().ToString();
        return nullptr;
      }
      bytes = db.value()->stats().bytes_written - start.bytes_written;
    }
    w->wal_bytes = bytes;
  }  // closed
  warm_page_cache(w->dir->path());
  written = std::move(w);
  return written.get();
}

void bm_recover(benchmark::State& state) {
  std::string error;
  WrittenWal* wal = written_wal(&error);
  if (wal == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  double replay_ms = 0;
  std::vector<double> open_ms;
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    auto db = DB::open(wal->dir->path(), recover_options());
    const auto opened = std::chrono::steady_clock::now();
    state.PauseTiming();
    open_ms.push_back(std::chrono::duration<double, std::milli>(opened - started).count());
    if (!db.ok()) {
      state.SkipWithError(db.status().ToString().c_str());
      break;
    }
    const RecoveryReport report = db.value()->stats().recovery;
    if (report.records_replayed != wal->records) {
      const std::string msg = "replayed " + std::to_string(report.records_replayed) + " of " +
                              std::to_string(wal->records) + " records";
      state.SkipWithError(msg.c_str());
      break;
    }
    replay_ms += report.duration_ms;
    db.value().reset();  // close, untimed
    state.ResumeTiming();
  }
  const auto iterations = static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wal->wal_bytes));
  state.counters["records_per_second"] = benchmark::Counter(
      iterations * static_cast<double>(wal->records), benchmark::Counter::kIsRate);
  state.counters["replay_ms"] = iterations > 0 ? replay_ms / iterations : 0;
  state.counters["wal_mib"] = static_cast<double>(wal->wal_bytes) / (1 << 20);
  if (!open_ms.empty()) {
    std::sort(open_ms.begin(), open_ms.end());
    const double p50 = open_ms[open_ms.size() / 2];
    state.counters["open_ms_p50"] = p50;
    state.counters["mb_per_s_p50"] = static_cast<double>(wal->wal_bytes) / 1e6 / (p50 / 1e3);
  }
}

}  // namespace

void register_recover(Registry& registry) {
  if (auto* b = registry.add("BM_Recover", 0, bm_recover)) b->Unit(benchmark::kMillisecond);
}

}  // namespace walkv::bench
