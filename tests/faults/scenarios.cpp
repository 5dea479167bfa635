#include "scenarios.h"

#include <fmt/format.h>

#include <chrono>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "record_format.h"
#include "test_util.h"
#include "walkv/db.h"
#include "walkv/write_batch.h"

namespace walkv::faults {

namespace {

constexpr std::uint64_t kSegmentBytes = 64 * 1024;
constexpr std::size_t kLogBufferBytes = 16 * 1024;
constexpr std::size_t kFlushBytes = 8 * 1024;
constexpr std::size_t kKeys = 16;
constexpr std::uint64_t kLargeSegmentBytes = 1024 * 1024;

Options base_options(CommitMode mode, IoBackend backend) {
  Options o;
  o.mode = mode;
  o.segment_bytes = kSegmentBytes;
  o.log_buffer_bytes = kLogBufferBytes;
  o.flush_bytes = kFlushBytes;
  // A full group (flush_bytes) or an explicit barrier starts a flush long before the
  // flusher's timer fires, which keeps each run's I/O sequence deterministic. The timer
  // only matters when a fault leaves a group short of flush_bytes (a write that could not
  // get a new segment): then it ends wait_durable() in a quarter second.
  o.flush_interval = std::chrono::milliseconds(250);
  o.checkpoint_wal_bytes = 0;
  o.io_backend = backend;
  return o;
}

WriteBatch batch_of(const std::vector<Mutation>& ops) {
  WriteBatch b;
  for (const auto& m : ops) {
    if (m.put) {
      b.put(m.key, m.value);
    } else {
      b.del(m.key);
    }
  }
  return b;
}

std::size_t record_bytes(const std::vector<Mutation>& ops) {
  return test::record_size(batch_of(ops).byte_size());
}

// Draws writes and follows where they land in the log (segment index and offset), the way
// the engine places records: a record that does not fit starts the next segment.
class Planner {
 public:
  explicit Planner(std::uint64_t seed) : rng_(seed) {}

  // A random write: a put (60%), a batch of puts and maybe a delete (20%), or a delete of a
  // live key (20%). Returns its record size.
  std::size_t add_write(std::vector<Step>* steps, std::optional<CommitMode> mode = {},
                        std::size_t max_value = 3000) {
    Step s;
    s.mode = mode;
    const auto roll = rng_() % 10;
    if (roll < 6 || (roll >= 8 && live_.empty())) {
      s.ops.push_back(put(pick_key(), uniform(900, max_value)));
    } else if (roll < 8) {
      s.as_batch = true;
      std::set<std::string> used;
      const std::size_t n = 2 + rng_() % 2;
      for (std::size_t i = 0; i < n; ++i) {
        std::string k = pick_key();
        if (!used.insert(k).second) continue;
        s.ops.push_back(put(k, uniform(200, 800)));
      }
      for (const auto& k : live_) {
        if (used.count(k) == 0 && rng_() % 2 == 0) {
          s.ops.push_back({false, k, {}});
          break;
        }
      }
    } else {
      auto it = live_.begin();
      std::advance(it, static_cast<long>(rng_() % live_.size()));
      s.ops.push_back({false, *it, {}});
    }
    for (const auto& m : s.ops) {
      if (m.put) {
        live_.insert(m.key);
      } else {
        live_.erase(m.key);
      }
    }
    const std::size_t bytes = record_bytes(s.ops);
    place(bytes);
    steps->push_back(std::move(s));
    return bytes;
  }

  std::size_t segment() const { return segment_; }
  std::uint64_t offset() const { return offset_; }

 private:
  Mutation put(const std::string& key, std::size_t size) {
    // The write's number makes every value unique across the scenario.
    std::string v = fmt::format("w{}/{}:", writes_++, key);
    while (v.size() < size) v.push_back(static_cast<char>('a' + (v.size() * 7 + writes_) % 26));
    return {true, key, std::move(v)};
  }
  std::string pick_key() { return fmt::format("key-{:02}", rng_() % kKeys); }
  std::size_t uniform(std::size_t lo, std::size_t hi) { return lo + rng_() % (hi - lo + 1); }
  void place(std::size_t bytes) {
    if (offset_ + bytes > kSegmentBytes) {
      ++segment_;
      offset_ = test::kSegmentHeaderSize;
    }
    offset_ += bytes;
  }

  std::mt19937_64 rng_;
  std::set<std::string> live_;
  std::uint64_t writes_ = 0;
  std::size_t segment_ = 0;
  std::uint64_t offset_ = test::kSegmentHeaderSize;
};

Step barrier(Step::Kind kind) {
  Step s;
  s.kind = kind;
  return s;
}

// The scenario must end in its second segment, below half of it (see scenarios.h).
void check_layout(const Planner& p, const std::string& name) {
  if (p.segment() != 1 || p.offset() >= kSegmentBytes / 2)
    throw std::logic_error(fmt::format("scenario {} ends in segment {} at offset {}", name,
                                       p.segment(), p.offset()));
}

bool past(const Planner& p, std::uint64_t offset_in_second) {
  return p.segment() >= 1 && p.offset() >= offset_in_second;
}

}  // namespace

Scenario sync_writes_scenario(std::uint64_t seed) {
  Scenario sc;
  sc.name = "sync writes";
  sc.options = base_options(CommitMode::kSync, IoBackend::kPosix);
  Planner p(seed);
  while (!past(p, 8 * 1024)) p.add_write(&sc.steps);
  check_layout(p, sc.name);
  return sc;
}

Scenario async_writes_scenario(std::uint64_t seed, IoBackend backend) {
  Scenario sc;
  sc.name = backend == IoBackend::kUring ? "async writes, io_uring flusher"
                                         : "async writes, posix flusher";
  sc.options = base_options(CommitMode::kAsync, backend);
  Planner p(seed + 1);
  // Groups of async writes that just reach flush_bytes: the last append of a group wakes
  // the flusher, which takes the whole group; the barrier waits for it.
  while (!past(p, 2 * 1024)) {
    std::size_t group = 0;
    while (group < kFlushBytes) group += p.add_write(&sc.steps);
    sc.steps.push_back(barrier(Step::Kind::kWaitDurable));
  }
  // Below flush_bytes the flusher sleeps; a sync override and sync() flush on this thread.
  p.add_write(&sc.steps, std::nullopt, 1200);
  p.add_write(&sc.steps, std::nullopt, 1200);
  p.add_write(&sc.steps, CommitMode::kSync, 1200);
  p.add_write(&sc.steps, std::nullopt, 1200);
  sc.steps.push_back(barrier(Step::Kind::kSync));
  check_layout(p, sc.name);
  return sc;
}

Scenario checkpoint_scenario(std::uint64_t seed) {
  Scenario sc;
  sc.name = "checkpoint during writes";
  sc.options = base_options(CommitMode::kSync, IoBackend::kPosix);
  Planner p(seed + 2);
  while (p.offset() < 24 * 1024) p.add_write(&sc.steps);
  // Async writes still in the log buffer: the checkpoint must make them durable first.
  for (int i = 0; i < 3; ++i) p.add_write(&sc.steps, CommitMode::kAsync, 1500);
  sc.steps.push_back(barrier(Step::Kind::kCheckpoint));
  while (!past(p, 4 * 1024)) p.add_write(&sc.steps);
  for (int i = 0; i < 2; ++i) p.add_write(&sc.steps, CommitMode::kAsync, 1500);
  sc.steps.push_back(barrier(Step::Kind::kCheckpoint));
  for (int i = 0; i < 3; ++i) p.add_write(&sc.steps, std::nullopt, 1500);
  check_layout(p, sc.name);
  return sc;
}

namespace {

// Writes `steps` into a new database in dir (a checkpoint before step `checkpoint_before`,
// if given), closes it, and checks that it left `segments` WAL files and `snapshots`
// snapshots. The spare segment is prepared in the background: it is waited for, so that
// every run of the scenario starts from the same files.
void build_base(const std::string& dir, const Options& options, const std::vector<Step>& steps,
                std::optional<std::size_t> checkpoint_before, std::size_t segments,
                std::size_t snapshots) {
  Options o = options;
  o.logger = test::LogSink().logger();
  auto opened = DB::open(dir, o);
  if (!opened.ok()) throw std::runtime_error("base database: " + opened.status().ToString());
  auto db = std::move(opened).value();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (checkpoint_before == i && !db->checkpoint().ok())
      throw std::runtime_error("base database: checkpoint failed");
    auto r = db->write(batch_of(steps[i].ops));
    if (!r.ok()) throw std::runtime_error("base database: " + r.status().ToString());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (test::wal_segments(dir).size() < segments && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  db.reset();
  if (test::wal_segments(dir).size() != segments || test::snapshot_files(dir).size() != snapshots)
    throw std::runtime_error("base database: unexpected files");
}

// The state after the first n steps, on top of `state`.
void apply_steps(const std::vector<Step>& steps, std::size_t n, KvState* state) {
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& m : steps[i].ops) {
      if (m.put) {
        (*state)[m.key] = m.value;
      } else {
        state->erase(m.key);
      }
    }
  }
}

}  // namespace

Scenario recovery_scenario(std::uint64_t seed, const std::string& base_dir) {
  Scenario sc;
  sc.name = "recovery (open)";
  sc.options = base_options(CommitMode::kSync, IoBackend::kPosix);
  sc.base_dir = base_dir;

  // The base database: a snapshot, then writes into the second segment past its half (the
  // engine prepares the third as a spare).
  std::vector<Step> base_steps;
  Planner p(seed + 3);
  while (p.offset() < 20 * 1024) p.add_write(&base_steps);
  const std::size_t before_checkpoint = base_steps.size();
  while (!past(p, kSegmentBytes / 2 + 2 * 1024)) p.add_write(&base_steps);
  build_base(base_dir, sc.options, base_steps, before_checkpoint, 3, 1);

  // A torn last record: its second half never reached the disk. The base was closed
  // cleanly, so its CONTROL says the last record was durable; a crash during that write
  // would have left CONTROL's durable LSN below it (it only rises at segment preparation,
  // checkpoint, open and clean close), which makes the half record a torn tail.
  const auto records = test::log_records(base_dir);
  const test::RecordLoc& last = records.back();
  test::zero_range(last.path, last.offset + last.size / 2, last.size - last.size / 2);
  test::lower_control_durable_lsn(base_dir, last.lsn - 1);
  // A temporary file a crashed checkpoint left behind (recovery deletes it).
  test::write_file(base_dir + "/" + format::snapshot_file_name(999) + ".tmp", "partial");

  if (records.back().lsn != base_steps.size())
    throw std::runtime_error("base database: the last record is not the last write");
  // What recovery must find: every write but the torn last one.
  apply_steps(base_steps, base_steps.size() - 1, &sc.base_state);
  sc.base_lsn = base_steps.size() - 1;

  // After the open under test: two sync writes continue the recovered log.
  p.add_write(&sc.steps, std::nullopt, 1200);
  p.add_write(&sc.steps, std::nullopt, 1200);
  return sc;
}

Scenario large_checkpoint_scenario(std::uint64_t seed, const std::string& base_dir) {
  Scenario sc;
  sc.name = "checkpoint of 2.3 MiB";
  sc.options = base_options(CommitMode::kSync, IoBackend::kPosix);
  sc.options.segment_bytes = kLargeSegmentBytes;
  sc.options.log_buffer_bytes = 64 * 1024;
  sc.options.flush_bytes = 32 * 1024;
  sc.base_dir = base_dir;

  // 72 distinct keys with 32 KiB values: 31 records fill a 1 MiB segment, so the log ends
  // in its third segment below the half (no spare is prepared), and the snapshot is about
  // 2.3 MiB: its writer hands two windows to writeback and waits for the first.
  std::mt19937_64 rng(seed + 4);
  std::vector<Step> base_steps;
  for (int i = 0; i < 72; ++i) {
    std::string v = fmt::format("base/{}:", i);
    while (v.size() < 32 * 1024) v.push_back(static_cast<char>('a' + rng() % 26));
    Step s;
    s.ops.push_back({true, fmt::format("big-{:02}", i), std::move(v)});
    base_steps.push_back(std::move(s));
  }
  build_base(base_dir, sc.options, base_steps, std::nullopt, 3, 0);
  apply_steps(base_steps, base_steps.size(), &sc.base_state);
  sc.base_lsn = base_steps.size();

  // The checkpoint covers the first two segments: they are retired (renamed, truncated,
  // unlinked). One sync write before it and one after.
  Planner p(seed + 5);
  p.add_write(&sc.steps, std::nullopt, 1200);
  sc.steps.push_back(barrier(Step::Kind::kCheckpoint));
  p.add_write(&sc.steps, std::nullopt, 1200);
  return sc;
}

}  // namespace walkv::faults
