// Load and soak: many writer threads mixing per-write commit modes, puts, deletes and batches;
// readers checking every value they see; explicit and automatic checkpoints; durability
// callbacks; memory sampled against the engine's buffer bound. Then close, verify the
// directory, reopen, and compare the contents with a model of every acknowledged write.
//
// Duration: WALKV_SOAK_SECONDS (default 60 s, 20 s under ThreadSanitizer). Randomness:
// WALKV_TEST_SEED (printed). Values encode writer, sequence number, key and padding length,
// and the padding is derived from them, so a torn, mixed-up or invented value is detected.
//
// The model: each writer keeps, per key, its own last acknowledged operation with its
// (LSN, position in batch). All writes are acknowledged before the DB is closed, and closing
// flushes, so the reopened database must hold, per key, exactly the operation with the
// greatest (LSN, position) across all writers.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/core.h>

#include "test_util.h"
#include "walkv/inspect.h"
#include "walkv/write_batch.h"

// Sanitizers change both speed and memory use: the soak runs shorter under TSan, and the
// RSS bound (which assumes glibc malloc, no shadow memory) is only enforced without them.
#if defined(__SANITIZE_THREAD__)
#define WALKV_SOAK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WALKV_SOAK_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WALKV_SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WALKV_SOAK_ASAN 1
#endif
#endif

namespace walkv::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

#ifdef WALKV_SOAK_TSAN
constexpr double kDefaultSeconds = 20;
constexpr bool kUnderSanitizer = true;
#elif defined(WALKV_SOAK_ASAN)
constexpr double kDefaultSeconds = 60;
constexpr bool kUnderSanitizer = true;
#else
constexpr double kDefaultSeconds = 60;
constexpr bool kUnderSanitizer = false;
#endif

constexpr std::uint64_t kMiB = 1024 * 1024;

double soak_seconds() {
  const char* env = std::getenv("WALKV_SOAK_SECONDS");
  if (env != nullptr && *env != '\0') {
    double s = std::strtod(env, nullptr);
    if (s > 0) return s;
  }
  return kDefaultSeconds;
}

// Resident set size of this process, from /proc/self/statm.
std::uint64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// ---------------------------------------------------------------------------------------
// Keys and self-describing values

std::string soak_key(std::uint32_t index) {
  return fmt::format("k/{:02x}/{:05}", index % 64, index);
}

char pad_char(std::uint32_t writer, std::uint64_t seq, std::size_t i) {
  std::uint64_t h = (seq + 1) * 0x9E3779B97F4A7C15ull ^ (writer + 1) * 0xC2B2AE3D27D4EB4Full;
  return static_cast<char>('a' + (h + i) % 26);
}

// "<writer>|<seq>|<key>|<pad length>|" followed by pad length derived bytes.
std::string soak_value(std::uint32_t writer, std::uint64_t seq, std::string_view key,
                       std::size_t pad) {
  std::string v = fmt::format("{}|{}|{}|{}|", writer, seq, key, pad);
  v.reserve(v.size() + pad);
  for (std::size_t i = 0; i < pad; ++i) v.push_back(pad_char(writer, seq, i));
  return v;
}

struct ParsedValue {
  std::uint32_t writer = 0;
  std::uint64_t seq = 0;
};

// Parses a value read for `key`; nullopt unless it is exactly soak_value(w, s, key, pad).
std::optional<ParsedValue> parse_soak_value(std::string_view v, std::string_view key) {
  std::string_view fields[4];
  std::size_t pos = 0;
  for (auto& field : fields) {
    std::size_t bar = v.find('|', pos);
    if (bar == std::string_view::npos) return std::nullopt;
    field = v.substr(pos, bar - pos);
    pos = bar + 1;
  }
  auto number = [](std::string_view s, std::uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    std::uint64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    *out = n;
    return true;
  };
  std::uint64_t writer = 0, seq = 0, pad = 0;
  if (!number(fields[0], &writer) || !number(fields[1], &seq) || !number(fields[3], &pad))
    return std::nullopt;
  if (fields[2] != key || v.size() - pos != pad) return std::nullopt;
  for (std::size_t i = 0; i < pad; ++i) {
    if (v[pos + i] != pad_char(static_cast<std::uint32_t>(writer), seq, i)) return std::nullopt;
  }
  return ParsedValue{static_cast<std::uint32_t>(writer), seq};
}

// ---------------------------------------------------------------------------------------
// Shared state of one soak run

// One acknowledged operation, as the model keeps it.
struct Ack {
  Lsn lsn = 0;
  std::uint32_t position = 0;  // index of the operation inside its batch
  std::uint32_t writer = 0;
  std::uint64_t seq = 0;
  std::uint32_t pad = 0;
  bool deleted = false;
  bool newer_than(const Ack& o) const {
    return lsn != o.lsn ? lsn > o.lsn : position > o.position;
  }
};

// A durability callback's record: how often it ran, and whether durable_lsn() covered the
// write's LSN when it did (checked once the writer has published the LSN).
struct CallbackSlot {
  std::atomic<std::uint32_t> calls{0};
  std::atomic<Lsn> lsn{0};
  std::atomic<bool> failed{false};
  std::atomic<bool> uncovered{false};
};

// First error seen by any thread (Catch2 assertions are not thread-safe), plus counts.
class Errors {
 public:
  void add(std::string what) {
    count_.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu_);
    if (first_.size() < 8) first_.push_back(std::move(what));
  }
  std::uint64_t count() const { return count_.load(); }
  std::string summary() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string s;
    for (const auto& e : first_) s += e + "\n";
    return s;
  }

 private:
  std::atomic<std::uint64_t> count_{0};
  mutable std::mutex mu_;
  std::vector<std::string> first_;
};

struct SoakConfig {
  int writers = 12;
  int readers = 3;
  std::uint32_t keys = 4096;
  Options options;
};

struct WriterState {
  std::unordered_map<std::uint32_t, Ack> model;  // this writer's last ack per key index
  std::deque<CallbackSlot> slots;                // stable addresses while growing
  std::atomic<std::uint64_t> issued{0};          // seqs < issued may be visible
  std::uint64_t writes = 0, puts = 0, dels = 0, batches = 0, sync_writes = 0;
};

std::size_t pick_pad(std::mt19937_64& rng) {
  const auto r = rng() % 100;
  if (r < 80) return rng() % 256;
  if (r < 98) return 256 + rng() % 768;
  return 1024 + rng() % 3072;
}

}  // namespace

// Test names avoid ';' (catch_discover_tests splits names there, and each half then matches
// no test and "passes" without running).
TEST_CASE("soak: writers readers checkpoints and callbacks then the reopened DB equals the model",
          "[soak]") {
  const std::uint64_t seed = test_seed();
  const double seconds = soak_seconds();
  CAPTURE(seed, seconds);
  std::printf("soak: seed=%" PRIu64 " (WALKV_TEST_SEED) duration=%.1fs (WALKV_SOAK_SECONDS)\n",
              seed, seconds);
  std::fflush(stdout);

  TempDir dir;
  SoakConfig cfg;
  std::mt19937_64 main_rng(seed);
  Options& o = cfg.options;
  o.mode = main_rng() % 2 ? CommitMode::kAsync : CommitMode::kSync;  // default of unset writes
  o.io_backend = main_rng() % 2 ? IoBackend::kAuto : IoBackend::kPosix;
  o.log_buffer_bytes = 64 * 1024;  // tiny: back-pressure must engage
  o.flush_bytes = 16 * 1024;
  o.flush_interval = std::chrono::microseconds(1000);
  o.segment_bytes = 256 * 1024;        // many segment rolls
  o.checkpoint_wal_bytes = 1024 * 1024;  // many automatic checkpoints
  LogSink sink;
  o.logger = sink.logger();
  INFO("default mode " << (o.mode == CommitMode::kSync ? "sync" : "async") << ", backend "
                       << (o.io_backend == IoBackend::kPosix ? "posix" : "auto"));

  const std::uint64_t rss_baseline = rss_bytes();
  auto db = open_ok(dir.path(), o);
  DB* raw = db.get();

  std::vector<std::unique_ptr<WriterState>> writers;
  for (int w = 0; w < cfg.writers; ++w) writers.push_back(std::make_unique<WriterState>());
  Errors errors;
  std::atomic<bool> stop{false};
  std::atomic<bool> closing{false};
  std::atomic<std::uint64_t> reads{0}, scans{0}, scanned_pairs{0}, explicit_checkpoints{0};
  std::atomic<std::uint64_t> max_rss{0}, max_wal_bytes{0}, rss_samples{0};

  auto writer_main = [&](std::uint32_t w) {
    WriterState& st = *writers[w];
    std::mt19937_64 rng(seed * 1000003 + w);
    std::uint64_t seq = 0;
    Lsn last_lsn = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      // Every third writer streams async writes (it fills the log buffer and meets
      // back-pressure); the others mix the database default, sync, os and async.
      WriteOptions wo;
      const auto mode_pick = rng() % 10;
      if (w % 3 == 0) {
        wo.mode = mode_pick == 0 && rng() % 10 == 0 ? CommitMode::kSync : CommitMode::kAsync;
      } else if (mode_pick >= 7) {
        wo.mode = CommitMode::kSync;
      } else if (mode_pick >= 5) {
        wo.mode = CommitMode::kAsync;
      } else if (mode_pick >= 3) {
        wo.mode = CommitMode::kOs;
      }
      CallbackSlot* slot = nullptr;
      if (rng() % 8 == 0) {
        slot = &st.slots.emplace_back();
        wo.on_durable = [slot, raw, &closing](const Status& s) {
          slot->calls.fetch_add(1);
          if (!s.ok()) slot->failed.store(true);
          const Lsn lsn = slot->lsn.load();
          if (lsn != 0 && !closing.load() && raw->durable_lsn() < lsn) slot->uncovered.store(true);
        };
      }
      // The operations of this write: (key index, pad, deleted), each with its own seq.
      struct Op {
        std::uint32_t key;
        std::uint64_t seq;
        std::uint32_t pad;
        bool deleted;
      };
      std::vector<Op> ops;
      const auto kind = rng() % 100;
      const std::size_t n_ops = kind < 70 ? 1 : 2 + rng() % 7;
      for (std::size_t i = 0; i < n_ops; ++i) {
        bool del = kind < 70 ? kind >= 55 : rng() % 4 == 0;
        ops.push_back(Op{static_cast<std::uint32_t>(rng() % cfg.keys), seq++,
                         static_cast<std::uint32_t>(pick_pad(rng)), del});
      }
      // Readers may now see these seqs (the write is issued below, after this store).
      st.issued.store(seq, std::memory_order_release);
      const bool single = kind < 70;
      Result<Lsn> r = [&]() -> Result<Lsn> {
        if (single) {
          const Op& op = ops[0];
          const std::string key = soak_key(op.key);
          if (op.deleted) return raw->del(key, wo);
          return raw->put(key, soak_value(w, op.seq, key, op.pad), wo);
        }
        WriteBatch b;
        for (const Op& op : ops) {
          const std::string key = soak_key(op.key);
          if (op.deleted) {
            b.del(key);
          } else {
            b.put(key, soak_value(w, op.seq, key, op.pad));
          }
        }
        return raw->write(b, wo);
      }();
      if (!single) {
        ++st.batches;
      } else if (ops[0].deleted) {
        ++st.dels;
      } else {
        ++st.puts;
      }
      if (!r.ok()) {
        errors.add(fmt::format("writer {}: write failed: {}", w, r.status().ToString()));
        if (slot != nullptr) slot->calls.fetch_add(100);  // never expected to run
        break;
      }
      const Lsn lsn = r.value();
      if (slot != nullptr) slot->lsn.store(lsn);
      if (lsn <= last_lsn)
        errors.add(fmt::format("writer {}: LSN {} after {}", w, lsn, last_lsn));
      last_lsn = lsn;
      ++st.writes;
      const bool was_sync = wo.mode.value_or(o.mode) == CommitMode::kSync;
      if (was_sync) {
        ++st.sync_writes;
        if (raw->durable_lsn() < lsn)
          errors.add(fmt::format("writer {}: sync write {} returned before durable", w, lsn));
      }
      if (wo.mode == CommitMode::kOs && raw->stats().written_lsn < lsn)
        errors.add(fmt::format("writer {}: os write {} returned before written", w, lsn));
      for (std::uint32_t i = 0; i < ops.size(); ++i) {
        const Op& op = ops[i];
        st.model[op.key] = Ack{lsn, i, w, op.seq, op.pad, op.deleted};
      }
      const auto extra = rng() % 1000;
      if (extra < 3) {
        if (Status s = raw->wait_durable(lsn); !s.ok() || raw->durable_lsn() < lsn)
          errors.add(fmt::format("writer {}: wait_durable({}): {}", w, lsn, s.ToString()));
      } else if (extra < 5) {
        auto d = raw->sync();
        if (!d.ok() || d.value() < lsn)
          errors.add(fmt::format("writer {}: sync() after {}: {}", w, lsn,
                                 d.ok() ? std::to_string(d.value()) : d.status().ToString()));
      }
    }
  };

  auto check_value = [&](std::string_view key, std::string_view value, const char* who) {
    auto parsed = parse_soak_value(value, key);
    if (!parsed || parsed->writer >= static_cast<std::uint32_t>(cfg.writers)) {
      errors.add(fmt::format("{}: malformed value for {}: {:.80}", who, key, value));
      return;
    }
    if (parsed->seq >= writers[parsed->writer]->issued.load(std::memory_order_acquire))
      errors.add(fmt::format("{}: value of {} has seq {} never issued by writer {}", who, key,
                             parsed->seq, parsed->writer));
  };

  auto reader_main = [&](int r) {
    std::mt19937_64 rng(seed * 7919 + static_cast<std::uint64_t>(r));
    while (!stop.load(std::memory_order_relaxed)) {
      if (rng() % 16 != 0) {
        const std::string key = soak_key(static_cast<std::uint32_t>(rng() % cfg.keys));
        auto got = raw->get(key);
        reads.fetch_add(1, std::memory_order_relaxed);
        if (got.ok()) {
          check_value(key, got.value(), "get");
        } else if (!got.status().IsNotFound()) {
          errors.add("get " + key + ": " + got.status().ToString());
        }
        continue;
      }
      // A scan: by prefix, by range, or everything, sometimes with a limit.
      ScanOptions so;
      std::string prefix, start, end;
      const auto kind = rng() % 3;
      if (kind == 0) {
        prefix = fmt::format("k/{:02x}/", rng() % 64);
        so.prefix = prefix;
      } else if (kind == 1) {
        start = soak_key(static_cast<std::uint32_t>(rng() % cfg.keys));
        end = fmt::format("k/{:02x}/", rng() % 65);
        so.start = start;
        so.end = end;
      }
      if (rng() % 2) so.limit = 1 + rng() % 300;
      std::string prev;
      std::size_t n = 0;
      Status s = raw->scan(so, [&](std::string_view k, std::string_view v) {
        if (n > 0 && k <= prev) errors.add(fmt::format("scan: {} after {}", k, prev));
        if (!prefix.empty() && !k.starts_with(prefix))
          errors.add(fmt::format("scan: {} outside prefix {}", k, prefix));
        if (!start.empty() && (k < start || (!end.empty() && k >= end)))
          errors.add(fmt::format("scan: {} outside [{}, {})", k, start, end));
        check_value(k, v, "scan");
        prev.assign(k);
        ++n;
        return true;
      });
      if (!s.ok()) errors.add("scan: " + s.ToString());
      if (so.limit != 0 && n > so.limit)
        errors.add(fmt::format("scan: {} pairs with limit {}", n, so.limit));
      scans.fetch_add(1, std::memory_order_relaxed);
      scanned_pairs.fetch_add(n, std::memory_order_relaxed);
    }
  };

  auto checkpointer_main = [&] {
    std::mt19937_64 rng(seed ^ 0xC0FFEE);
    Lsn prev = 0;
    while (!stop.load()) {
      const auto pause = milliseconds(500 + rng() % 1000);
      const auto until = Clock::now() + pause;
      while (!stop.load() && Clock::now() < until) std::this_thread::sleep_for(milliseconds(10));
      if (stop.load()) break;
      auto c = raw->checkpoint();
      explicit_checkpoints.fetch_add(1);
      if (!c.ok()) {
        errors.add("checkpoint: " + c.status().ToString());
      } else {
        if (c.value() < prev) errors.add(fmt::format("checkpoint LSN {} after {}", c.value(), prev));
        prev = c.value();
      }
    }
  };

  auto monitor_main = [&] {
    Lsn prev_durable = 0;
    while (!stop.load()) {
      const Lsn d = raw->durable_lsn();
      if (d < prev_durable) errors.add(fmt::format("durable_lsn went back {} -> {}", prev_durable, d));
      prev_durable = d;
      const Stats st = raw->stats();
      if (st.durable_lsn > st.last_lsn)
        errors.add(fmt::format("durable_lsn {} beyond last_lsn {}", st.durable_lsn, st.last_lsn));
      if (st.failed) errors.add("the DB latched an error during the soak");
      std::uint64_t wal = st.wal_bytes;
      std::uint64_t seen = max_wal_bytes.load();
      while (wal > seen && !max_wal_bytes.compare_exchange_weak(seen, wal)) {
      }
      std::uint64_t rss = rss_bytes();
      std::uint64_t top = max_rss.load();
      while (rss > top && !max_rss.compare_exchange_weak(top, rss)) {
      }
      rss_samples.fetch_add(1);
      std::this_thread::sleep_for(milliseconds(20));
    }
  };

  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < cfg.writers; ++w)
    threads.emplace_back(writer_main, static_cast<std::uint32_t>(w));
  for (int r = 0; r < cfg.readers; ++r) threads.emplace_back(reader_main, r);
  threads.emplace_back(checkpointer_main);
  threads.emplace_back(monitor_main);

  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(seconds));
  while (Clock::now() < deadline && errors.count() == 0)
    std::this_thread::sleep_for(milliseconds(50));
  stop.store(true);
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();

  const Stats final_stats = raw->stats();
  std::uint64_t writes = 0, puts = 0, dels = 0, batches = 0, sync_writes = 0, callbacks = 0;
  for (const auto& w : writers) {
    writes += w->writes;
    puts += w->puts;
    dels += w->dels;
    batches += w->batches;
    sync_writes += w->sync_writes;
    callbacks += w->slots.size();
  }
  std::printf(
      "soak: %.1fs, %" PRIu64 " writes (%" PRIu64 " puts, %" PRIu64 " dels, %" PRIu64
      " batches, %" PRIu64 " sync), %" PRIu64 " gets, %" PRIu64 " scans (%" PRIu64
      " pairs)\n"
      "soak: WAL %.1f MiB written, %" PRIu64 " fsyncs, %" PRIu64 " flushes, backend %s, "
      "%" PRIu64 " checkpoints (%" PRIu64 " explicit calls), %" PRIu64
      " back-pressure waits, max live WAL %.2f MiB\n"
      "soak: RSS baseline %.1f MiB, max %.1f MiB over %" PRIu64 " samples\n",
      elapsed, writes, puts, dels, batches, sync_writes, reads.load(), scans.load(),
      scanned_pairs.load(), static_cast<double>(final_stats.bytes_written) / kMiB,
      final_stats.fsyncs, final_stats.flushes, final_stats.io_backend.c_str(),
      final_stats.checkpoints, explicit_checkpoints.load(), final_stats.backpressure_waits,
      static_cast<double>(max_wal_bytes.load()) / kMiB, static_cast<double>(rss_baseline) / kMiB,
      static_cast<double>(max_rss.load()) / kMiB, rss_samples.load());
  std::fflush(stdout);

  INFO(errors.summary());
  REQUIRE(errors.count() == 0);
  CHECK(writes > 0);
  CHECK(reads.load() > 0);
  CHECK(scans.load() > 0);
  CHECK(sync_writes > 0);
  CHECK(batches > 0);
  CHECK(explicit_checkpoints.load() > 0);
  // Writers outran the tiny log buffer and waited instead of growing it. (Under a sanitizer
  // the writers are slow enough that this may not happen; the back-pressure test below
  // forces it with a slow disk.)
  if (!kUnderSanitizer) CHECK(final_stats.backpressure_waits > 0);
  // The live WAL stays bounded by checkpoints (generous: checkpoint latency under load).
  CHECK(max_wal_bytes.load() < 64 * o.checkpoint_wal_bytes);

  // Memory: what the data can take (the index, plus its copy while a checkpoint writes the
  // snapshot), two log buffers, the test's own model and callback records, and slack for
  // thread stacks and malloc arenas. Writing far more than this (the WAL volume) must not
  // show up in RSS.
  const std::uint64_t max_entry = soak_key(0).size() + 24 + 4096 + 160;
  const std::uint64_t data_bound = 2 * cfg.keys * max_entry;
  const std::uint64_t model_bound =
      static_cast<std::uint64_t>(cfg.writers) * cfg.keys * 96 + callbacks * sizeof(CallbackSlot);
  const std::uint64_t rss_bound =
      rss_baseline + data_bound + 2 * o.log_buffer_bytes + model_bound + 64 * kMiB;
  std::printf("soak: RSS bound %.1f MiB (data %.1f, model %.1f, slack 64)%s\n",
              static_cast<double>(rss_bound) / kMiB, static_cast<double>(data_bound) / kMiB,
              static_cast<double>(model_bound) / kMiB,
              kUnderSanitizer ? " - not enforced under a sanitizer" : "");
  if (!kUnderSanitizer) {
    CHECK(max_rss.load() < rss_bound);
    CHECK(rss_samples.load() > 0);
  }

  // Automatic checkpoints: under load they interleave with the explicit ones, so also show
  // one on its own. Write past checkpoint_wal_bytes without calling checkpoint() and wait.
  const std::uint64_t checkpoints_before = raw->stats().checkpoints;
  std::map<std::string, std::string> extra;  // the model of these writes
  WriteOptions async_write;
  async_write.mode = CommitMode::kAsync;
  std::uint64_t extra_bytes = 0;
  for (std::uint32_t i = 0; extra_bytes < 4 * o.checkpoint_wal_bytes; ++i) {
    if (i % 64 == 0 && raw->stats().checkpoints > checkpoints_before) break;
    const std::string key = fmt::format("auto/{:03}", i % 256);
    std::string value = soak_value(0, i, key, 1000);
    auto r = raw->put(key, value, async_write);
    REQUIRE(r.ok());
    extra_bytes += key.size() + value.size();
    extra[key] = std::move(value);
  }
  CHECK(eventually([&] { return raw->stats().checkpoints > checkpoints_before; },
                   std::chrono::seconds(20)));
  std::printf("soak: automatic checkpoint after %.2f MiB more WAL (%zu keys)\n",
              static_cast<double>(extra_bytes) / kMiB, extra.size());

  // Close: every acknowledged write becomes durable and every callback runs exactly once.
  const Lsn last_lsn = raw->stats().last_lsn;
  closing.store(true);
  db.reset();
  std::uint64_t bad_calls = 0, failed_calls = 0, uncovered_calls = 0;
  for (const auto& w : writers) {
    for (const auto& slot : w->slots) {
      if (slot.calls.load() != 1) ++bad_calls;
      if (slot.failed.load()) ++failed_calls;
      if (slot.uncovered.load()) ++uncovered_calls;
    }
  }
  std::printf("soak: %" PRIu64 " durability callbacks\n", callbacks);
  CHECK(callbacks > 0);
  CHECK(bad_calls == 0);
  CHECK(failed_calls == 0);
  CHECK(uncovered_calls == 0);

  VerifyReport report;
  REQUIRE(verify_dir(dir.path(), &report).ok());
  INFO("verify: " << report.corruption << " tail: " << report.tail_reason);
  CHECK_FALSE(report.corrupt);
  CHECK(report.tail_bytes == 0);
  CHECK(std::max(report.last_lsn, report.snapshot_lsn) == last_lsn);

  // The model: per key, the acknowledged operation with the greatest (LSN, position).
  std::vector<Ack> expected(cfg.keys);
  for (const auto& w : writers) {
    for (const auto& [key, ack] : w->model) {
      if (ack.newer_than(expected[key])) expected[key] = ack;
    }
  }
  std::map<std::string, std::string> model;
  for (std::uint32_t k = 0; k < cfg.keys; ++k) {
    const Ack& a = expected[k];
    if (a.lsn == 0 || a.deleted) continue;
    const std::string key = soak_key(k);
    model.emplace(key, soak_value(a.writer, a.seq, key, a.pad));
  }
  model.insert(extra.begin(), extra.end());

  auto reopened = open_ok(dir.path(), o);
  const Stats after = reopened->stats();
  CHECK(after.recovery.last_lsn == last_lsn);
  CHECK(after.recovery.dropped_bytes == 0);
  CHECK(after.keys == model.size());
  auto all = reopened->scan(ScanOptions{});
  REQUIRE(all.ok());
  std::map<std::string, std::string> found(all.value().begin(), all.value().end());
  CHECK(found.size() == model.size());
  std::uint64_t mismatches = 0;
  std::string first_mismatch;
  for (const auto& [key, value] : model) {
    auto it = found.find(key);
    if (it == found.end() || it->second != value) {
      if (mismatches++ == 0)
        first_mismatch = key + ": expected " + value.substr(0, 60) + ", found " +
                         (it == found.end() ? "<absent>" : it->second.substr(0, 60));
    }
  }
  for (const auto& [key, value] : found) {
    if (model.count(key) == 0 && mismatches++ == 0) first_mismatch = key + ": resurrected";
  }
  INFO(first_mismatch);
  CHECK(mismatches == 0);
  std::printf("soak: reopened at LSN %" PRIu64 ": %zu live keys equal the model\n", last_lsn,
              model.size());
}

TEST_CASE("soak: back-pressure bounds memory of async writers on a slow disk", "[soak]") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  hooks->delay(IoOp::kSync, std::chrono::microseconds(1000));  // every WAL fsync takes 1 ms+
  Options o = small_options(CommitMode::kAsync);
  o.io_hooks = hooks;
  o.log_buffer_bytes = 64 * 1024;
  o.flush_bytes = 16 * 1024;
  o.segment_bytes = 1024 * 1024;
  o.checkpoint_wal_bytes = 4 * 1024 * 1024;
  constexpr std::uint32_t kKeys = 256;
  constexpr std::size_t kValueBytes = 2048;
  constexpr int kWriters = 8;
  const double seconds = std::max(2.0, std::min(5.0, soak_seconds() / 10));

  auto db = open_ok(dir.path(), o);
  // Warm up: every key exists, so the index stops growing before memory is measured.
  for (std::uint32_t k = 0; k < kKeys; ++k)
    REQUIRE(db->put(soak_key(k), soak_value(0, k, soak_key(k), kValueBytes)).ok());
  REQUIRE(db->sync().ok());
  const Stats before = db->stats();
  const std::uint64_t rss_before = rss_bytes();

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> max_rss{rss_before}, failures{0};
  struct Acked {
    Lsn lsn = 0;
    std::uint32_t writer = 0;
    std::uint64_t seq = 0;
  };
  std::vector<std::map<std::uint32_t, Acked>> acked(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(seed + static_cast<std::uint64_t>(w));
      std::uint64_t seq = 1000000;
      while (!stop.load(std::memory_order_relaxed)) {
        const auto k = static_cast<std::uint32_t>(rng() % kKeys);
        const std::string key = soak_key(k);
        auto r = db->put(key, soak_value(static_cast<std::uint32_t>(w), seq, key, kValueBytes));
        if (!r.ok()) {
          failures.fetch_add(1);
          return;
        }
        acked[static_cast<std::size_t>(w)][k] = Acked{r.value(), static_cast<std::uint32_t>(w), seq};
        ++seq;
      }
    });
  }
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(seconds));
  while (Clock::now() < deadline) {
    std::uint64_t rss = rss_bytes();
    if (rss > max_rss.load()) max_rss.store(rss);
    std::this_thread::sleep_for(milliseconds(5));
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  const Stats st = db->stats();
  const std::uint64_t written = st.bytes_written - before.bytes_written;
  const std::uint64_t growth = max_rss.load() > rss_before ? max_rss.load() - rss_before : 0;
  const std::uint64_t bound = 2 * o.log_buffer_bytes + 8 * kMiB;
  std::printf("back-pressure: %.1f MiB of WAL in %.1fs through a 64 KiB buffer, %" PRIu64
              " waits, RSS growth %.1f MiB (bound %.1f MiB%s)\n",
              static_cast<double>(written) / kMiB, seconds, st.backpressure_waits - before.backpressure_waits,
              static_cast<double>(growth) / kMiB, static_cast<double>(bound) / kMiB,
              kUnderSanitizer ? ", not enforced under a sanitizer" : "");
  std::fflush(stdout);
  REQUIRE(failures.load() == 0);
  CHECK(st.backpressure_waits > before.backpressure_waits);
  // The buffer was filled and drained many times over.
  CHECK(written > 32 * o.log_buffer_bytes);
  if (!kUnderSanitizer) {
    // More went through the buffer than the bound lets stay in memory, and it did not stay.
    CHECK(written > bound);
    CHECK(growth < bound);
  }

  hooks->disarm();
  db.reset();
  std::map<std::uint32_t, Acked> newest;
  for (const auto& m : acked) {
    for (const auto& [k, v] : m) {
      Acked& slot = newest[k];
      if (v.lsn > slot.lsn) slot = v;
    }
  }
  auto reopened = open_ok(dir.path(), o);
  for (std::uint32_t k = 0; k < kKeys; ++k) {
    const std::string key = soak_key(k);
    auto got = reopened->get(key);
    REQUIRE(got.ok());
    auto parsed = parse_soak_value(got.value(), key);
    REQUIRE(parsed.has_value());
    auto it = newest.find(k);
    const Acked want = it == newest.end() ? Acked{0, 0, k} : it->second;
    CHECK(parsed->writer == want.writer);
    CHECK(parsed->seq == want.seq);
  }
}

}  // namespace walkv::test
