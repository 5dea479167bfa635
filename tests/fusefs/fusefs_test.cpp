// walkv on a real file system layer that fails below it (label "fusefs").
//
// The fault suites (tests/faults, tests/engine) inject errors through the engine's own I/O
// seam, above the kernel. These cases mount walkv-faultfs (tests/fusefs/faultfs.cpp), a FUSE
// passthrough file system whose fsync can be switched to fail or to lie, and run the
// unmodified engine on it — its io_uring and POSIX flushers, the kernel's page cache and
// FUSE request path all in between — to check what the engine promises when the layer
// below misbehaves:
//   - an fsync error from below is latched by the async flusher (io_uring and POSIX): the
//     waiter gets IOError, durable_lsn stops where it was, later writes get Failed, and a
//     reopen finds everything that was reported durable;
//   - a file system without fallocate (EOPNOTSUPP, like many FUSE and network file systems)
//     works, and preparing a segment costs about one sequential write of it, not one write
//     per block (glibc's posix_fallocate fallback); the real counts are printed;
//   - drop-fsync (fsync answers 0 without syncing) really reaches no backing fsync, so other
//     tests can build on it. No engine can detect that lie, so nothing is promised there.
//
// Needs /dev/fuse and permission to mount (CI runs the tests as root; elsewhere libfuse
// uses the fusermount3 helper). Where the mount cannot be made — no /dev/fuse, no
// permission, no daemon binary — each case says why with WARN and passes without testing
// anything; likewise the io_uring case where io_uring cannot be set up. Every mount is
// unmounted (fusermount3 -u, else umount, else a lazy detach) and its daemon reaped when the
// case ends, failed or not.
//
// Seeded: WALKV_TEST_SEED=<n> replays the record counts and value sizes; the seed is
// printed with every failure.
#include <fcntl.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "common/temp_dir.h"
#include "walkv/db.h"
#include "walkv/options.h"
#include "walkv/status.h"

#ifndef WALKV_FAULTFS_PATH
#error "WALKV_FAULTFS_PATH must name the walkv-faultfs executable"
#endif

extern char** environ;

namespace walkv::fusefs {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = 1024 * 1024;

std::uint64_t test_seed() {
  const char* env = std::getenv("WALKV_TEST_SEED");
  if (env != nullptr && *env != '\0') return std::strtoull(env, nullptr, 10);
  return 20240611;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last `max` bytes of a file (a daemon's log, for a skip or failure message).
std::string tail(const std::string& path, std::size_t max = 2000) {
  std::string s = read_text(path);
  return s.size() > max ? "..." + s.substr(s.size() - max) : s;
}

// True if `path` is the mount point of a faultfs mount in this mount namespace. Reads
// /proc/self/mountinfo rather than stat()ing the path, which a hung daemon would block.
bool faultfs_mounted(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    std::string w;
    while (fields >> w) f.push_back(w);
    // id parent major:minor root mount-point options [optional...] - fstype source super
    if (f.size() < 5 || f[4] != path) continue;
    for (std::size_t i = 5; i + 1 < f.size(); ++i) {
      if (f[i] == "-") return f[i + 1] == "fuse.faultfs";
    }
  }
  return false;
}

// Runs argv[0] (searched on PATH) with output appended to `log`; its exit status, or -1 if
// it could not be started.
int run(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int err = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// What the daemon counted (see faultfs.cpp for the keys).
struct FsStats {
  std::map<std::string, std::uint64_t> totals;
  std::map<std::string, std::map<std::string, std::uint64_t>> files;  // path -> key -> n
  std::string mode;

  std::uint64_t total(const std::string& key) const {
    auto it = totals.find(key);
    if (it == totals.end()) FAIL("faultfs stats have no '" << key << "'");
    return it->second;
  }
};

// A walkv-faultfs mount in a fresh temporary directory: BASE/backing mirrored at BASE/mnt,
// the control word in BASE/control, counters in BASE/stats, the daemon's output in
// BASE/daemon.log. Destruction unmounts, reaps the daemon and removes BASE, whatever
// happened before.
class FaultFs {
 public:
  // Null, with *why set, where no mount can be made here.
  static std::unique_ptr<FaultFs> mount(std::string* why) {
    if (::access("/dev/fuse", R_OK | W_OK) != 0) {
      *why = fmt::format("/dev/fuse is not usable: {}", std::strerror(errno));
      return nullptr;
    }
    if (::access(WALKV_FAULTFS_PATH, X_OK) != 0) {
      *why = fmt::format("{}: {}", WALKV_FAULTFS_PATH, std::strerror(errno));
      return nullptr;
    }
    std::unique_ptr<FaultFs> fs;
    try {
      fs.reset(new FaultFs());
    } catch (const std::runtime_error& e) {
      *why = e.what();
      return nullptr;
    }
    if (!fs->start(why)) return nullptr;
    return fs;
  }

  ~FaultFs() {
    if (mounted_ || pid_ > 0) {
      const std::string problem = unmount();
      if (!problem.empty()) WARN("faultfs cleanup: " << problem);
    }
    if (faultfs_mounted(mnt())) {
      WARN("faultfs: " << mnt() << " is still mounted; leaving " << base_.path()
                        << " in place");
      base_.keep();
    }
  }

  FaultFs(const FaultFs&) = delete;
  FaultFs& operator=(const FaultFs&) = delete;

  std::string mnt() const { return base_.sub("mnt"); }
  std::string backing() const { return base_.sub("backing"); }
  std::string log() const { return base_.sub("daemon.log"); }

  // "ok", "fail-fsync" or "drop-fsync": in force from the daemon's next fsync request.
  void set_mode(const std::string& word) {
    const std::string control = base_.sub("control");
    const std::string tmp = control + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << word << "\n";
      REQUIRE(out.good());
    }
    REQUIRE(::rename(tmp.c_str(), control.c_str()) == 0);
  }

  // Asks the daemon for its counters (a lookup of the stats name, which it answers only after
  // writing them) and reads them.
  FsStats stats() {
    struct stat st;
    const std::string name = mnt() + "/.faultfs-stats";
    const int r = ::stat(name.c_str(), &st);
    INFO("stat " << name << ": " << std::strerror(errno));
    REQUIRE(r < 0);
    REQUIRE(errno == ENOENT);
    FsStats s;
    std::istringstream in(read_text(base_.sub("stats")));
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string key;
      words >> key;
      if (key == "mode") {
        words >> s.mode;
      } else if (key == "file") {
        std::string path, k;
        std::uint64_t v = 0;
        words >> path;
        auto& f = s.files[path];
        while (words >> k >> v) f[k] = v;
      } else if (!key.empty()) {
        std::uint64_t v = 0;
        words >> v;
        s.totals[key] = v;
      }
    }
    REQUIRE(s.totals.count("stats_requests") == 1);
    REQUIRE(s.totals["stats_requests"] > stats_requests_);  // fresh, not a leftover
    stats_requests_ = s.totals["stats_requests"];
    return s;
  }

  // Unmounts and reaps the daemon. Empty if all went well, else what did not.
  std::string unmount() {
    std::string problems;
    auto note = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
    if (mounted_ && faultfs_mounted(mnt())) {
      if (run({"fusermount3", "-u", mnt()}, log()) != 0) {
        note("fusermount3 -u failed: " + tail(log(), 300));
        if (::umount2(mnt().c_str(), 0) != 0) {
          note(fmt::format("umount: {}; detaching lazily", std::strerror(errno)));
          ::umount2(mnt().c_str(), MNT_DETACH);
        }
      }
    }
    mounted_ = false;
    if (pid_ > 0) {
      int status = 0;
      if (!reap(&status, 10s)) {
        note("the daemon did not exit after the unmount; SIGTERM");
        ::kill(pid_, SIGTERM);
        if (!reap(&status, 2s)) {
          ::kill(pid_, SIGKILL);
          reap(&status, 10s);
        }
        if (faultfs_mounted(mnt())) ::umount2(mnt().c_str(), MNT_DETACH);
      }
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        note(fmt::format("the daemon ended with status {:#x}: {}", status, tail(log())));
      pid_ = -1;
    }
    return problems;
  }

 private:
  FaultFs() : base_(test::TempDir::default_parent(), "fusefs") {}

  bool start(std::string* why) {
    if (::mkdir(backing().c_str(), 0755) != 0 || ::mkdir(mnt().c_str(), 0755) != 0) {
      *why = fmt::format("mkdir in {}: {}", base_.path(), std::strerror(errno));
      return false;
    }
    const std::string control = base_.sub("control");
    const std::string stats = base_.sub("stats");
    std::vector<std::string> argv = {WALKV_FAULTFS_PATH, backing(), mnt(), control, stats};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log().c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int err = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) {
      pid_ = -1;
      *why = fmt::format("cannot start {}: {}", WALKV_FAULTFS_PATH, std::strerror(err));
      return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (faultfs_mounted(mnt())) {
        mounted_ = true;
        return true;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        *why = fmt::format("walkv-faultfs could not mount (exit status {:#x}): {}", status,
                           tail(log()));
        return false;
      }
      std::this_thread::sleep_for(5ms);
    }
    *why = "walkv-faultfs did not mount within 10 s: " + tail(log());
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (!reap(&status, 2s)) {
      ::kill(pid_, SIGKILL);
      reap(&status, 10s);
    }
    pid_ = -1;
    if (faultfs_mounted(mnt())) ::umount2(mnt().c_str(), MNT_DETACH);
    return false;
  }

  bool reap(int* status, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      if (::waitpid(pid_, status, WNOHANG) == pid_) return true;
      std::this_thread::sleep_for(5ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  test::TempDir base_;
  pid_t pid_ = -1;
  bool mounted_ = false;
  std::uint64_t stats_requests_ = 0;
};

// The engine's log lines, kept for failure messages instead of cluttering the output.
struct LogLines {
  std::mutex mu;
  std::vector<std::string> lines;
  std::string joined() {
    std::lock_guard lk(mu);
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
  }
};

Options fs_options(CommitMode mode, IoBackend backend, const std::shared_ptr<LogLines>& log) {
  Options o;
  o.mode = mode;
  o.io_backend = backend;
  o.segment_bytes = kMiB;
  o.log_buffer_bytes = 256 * 1024;
  o.flush_bytes = 64 * 1024;
  // Long enough that the few writes after the switch are never overdue (a writer would then
  // lead the flush itself): the error must reach them through the flusher thread.
  o.flush_interval = 20ms;
  o.checkpoint_wal_bytes = 0;
  o.logger = [log](LogLevel level, std::string_view msg) {
    std::lock_guard lk(log->mu);
    log->lines.push_back(std::string(level == LogLevel::kWarning ? "warning: " : "info: ") +
                         std::string(msg));
  };
  return o;
}

std::string key_of(std::uint64_t i) { return fmt::format("key-{:08}", i); }

// A value that names its key and has the given size.
std::string value_of(std::uint64_t i, std::size_t size) {
  std::string v = fmt::format("value-{}-", i);
  while (v.size() < size) v.push_back(static_cast<char>('a' + (i + v.size()) % 26));
  v.resize(size);
  return v;
}

std::string get_or_marker(DB& db, const std::string& key) {
  auto r = db.get(key);
  if (r.ok()) return r.value();
  if (r.status().IsNotFound()) return "<absent>";
  return "<error: " + r.status().ToString() + ">";
}

// Writes after a reopen must recover a prefix of `values` that holds at least the first
// `durable` (everything sync() had reported), and nothing beyond the writes attempted.
void check_recovered_prefix(DB& db, const std::vector<std::string>& values,
                            std::uint64_t durable) {
  std::uint64_t n = 0;
  while (n < values.size() && get_or_marker(db, key_of(n)) == values[n]) ++n;
  INFO("recovered the first " << n << " of " << values.size() << " writes; " << durable
                              << " were reported durable");
  CHECK(n >= durable);
  for (std::uint64_t i = n; i < values.size(); ++i) {
    INFO("key " << key_of(i) << " after the recovered prefix");
    CHECK(get_or_marker(db, key_of(i)) == "<absent>");
  }
}

// An fsync error from below the engine, met by the async flusher of `backend`.
void flusher_latches_fsync_error(IoBackend backend) {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed + static_cast<std::uint64_t>(backend));
  const char* backend_name = backend == IoBackend::kUring ? "io_uring" : "posix";
  CAPTURE(backend_name);

  std::string why;
  auto fs = FaultFs::mount(&why);
  if (!fs) {
    WARN("fusefs: SKIPPED, no FUSE mount here: " << why);
    return;
  }
  const std::string dir = fs->mnt() + "/db";
  auto log = std::make_shared<LogLines>();
  const Options options = fs_options(CommitMode::kAsync, backend, log);

  std::vector<std::string> values;  // values[i] went to key_of(i) with LSN i + 1
  Lsn durable_before = 0;
  {
    auto opened = DB::open(dir, options);
    if (backend == IoBackend::kUring && opened.status().IsNotSupported()) {
      WARN("fusefs: SKIPPED, io_uring cannot be set up here: " << opened.status().ToString());
      return;
    }
    INFO(opened.status().ToString() << "\n" << log->joined());
    REQUIRE(opened.ok());
    std::unique_ptr<DB> db = std::move(opened.value());
    CHECK(db->stats().io_backend == backend_name);

    const std::uint64_t before_switch = 10 + rng() % 30;
    for (std::uint64_t i = 0; i < before_switch; ++i) {
      values.push_back(value_of(i, 16 + rng() % 2000));
      auto lsn = db->put(key_of(i), values.back());
      INFO(lsn.status().ToString());
      REQUIRE(lsn.ok());
      REQUIRE(lsn.value() == i + 1);
    }
    auto synced = db->sync();
    INFO(synced.status().ToString());
    REQUIRE(synced.ok());
    durable_before = synced.value();
    REQUIRE(durable_before == before_switch);
    const FsStats at_switch = fs->stats();
    CHECK(at_switch.total("fsyncs_synced") > 0);

    fs->set_mode("fail-fsync");
    const std::uint64_t after_switch = 5 + rng() % 30;
    for (std::uint64_t i = before_switch; i < before_switch + after_switch; ++i) {
      const std::string value = value_of(i, 16 + rng() % 2000);
      auto lsn = db->put(key_of(i), value);
      if (!lsn.ok()) {
        // Possible only if the flusher already met the error: then it is latched.
        INFO(lsn.status().ToString());
        CHECK((lsn.status().IsIOError() || lsn.status().IsFailed()));
        break;
      }
      values.push_back(value);
      REQUIRE(lsn.value() == i + 1);
    }
    REQUIRE(values.size() > before_switch);
    INFO("writes acknowledged: " << values.size() << ", durable before the switch: "
                                 << durable_before);

    // The flusher thread writes these records and meets EIO at its fdatasync.
    const Status waited = db->wait_durable(values.size(), 10s);
    INFO("wait_durable: " << waited.ToString() << "\n" << log->joined());
    CHECK(waited.IsIOError());
    CHECK(waited.message().find(std::strerror(EIO)) != std::string::npos);
    CHECK(db->durable_lsn() == durable_before);
    CHECK(db->stats().failed);
    CHECK(db->stats().durable_lsn == durable_before);

    const auto barrier = db->sync();
    INFO("sync after the error: " << barrier.status().ToString());
    CHECK_FALSE(barrier.ok());
    CHECK(barrier.status().IsIOError());
    const auto later = db->put("after-the-error", "x");
    INFO("a write after the error: " << later.status().ToString());
    CHECK(later.status().IsFailed());
    const auto later_sync = db->put("after-the-error", "x", WriteOptions{CommitMode::kSync, {}});
    CHECK(later_sync.status().IsFailed());
    CHECK(db->durable_lsn() == durable_before);
    // Reads keep working.
    CHECK(get_or_marker(*db, key_of(0)) == values[0]);

    const FsStats after = fs->stats();
    CHECK(after.mode == "fail-fsync");
    CHECK(after.total("fsyncs_failed") > at_switch.total("fsyncs_failed"));
    CHECK(after.total("fsyncs_synced") == at_switch.total("fsyncs_synced"));
    std::printf("fusefs: %s flusher: %zu writes acknowledged, %llu durable before fail-fsync, "
                "%llu fsyncs answered EIO, latched: %s\n",
                backend_name, values.size(), static_cast<unsigned long long>(durable_before),
                static_cast<unsigned long long>(after.total("fsyncs_failed") -
                                                at_switch.total("fsyncs_failed")),
                waited.ToString().c_str());
  }  // closing tries a last flush, which fails too

  fs->set_mode("ok");
  {
    auto db = DB::open(dir, options);
    INFO(db.status().ToString() << "\n" << log->joined());
    REQUIRE(db.ok());
    check_recovered_prefix(*db.value(), values, durable_before);
    // The file system is healthy again, and so is the reopened database.
    auto lsn = db.value()->put("after-reopen", "y");
    REQUIRE(lsn.ok());
    auto synced = db.value()->sync();
    REQUIRE(synced.ok());
    CHECK(db.value()->durable_lsn() == lsn.value());
  }
  const std::string problems = fs->unmount();
  CHECK(problems == "");
}

TEST_CASE("fusefs: the io_uring flusher latches an fsync error from below", "[fusefs]") {
  flusher_latches_fsync_error(IoBackend::kUring);
}

TEST_CASE("fusefs: the posix flusher latches an fsync error from below", "[fusefs]") {
  flusher_latches_fsync_error(IoBackend::kPosix);
}

// No ';' in test names: CTest would split the name into two tests.
TEST_CASE("fusefs: without fallocate a segment costs about one write of it", "[fusefs]") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  std::string why;
  auto fs = FaultFs::mount(&why);
  if (!fs) {
    WARN("fusefs: SKIPPED, no FUSE mount here: " << why);
    return;
  }
  const std::string dir = fs->mnt() + "/db";
  auto log = std::make_shared<LogLines>();
  Options options = fs_options(CommitMode::kAsync, IoBackend::kAuto, log);
  options.segment_bytes = 4 * kMiB;
  options.log_buffer_bytes = kMiB;
  options.flush_bytes = 256 * 1024;
  options.flush_interval = 5ms;

  std::vector<std::string> values;
  {
    auto opened = DB::open(dir, options);
    INFO(opened.status().ToString() << "\n" << log->joined());
    REQUIRE(opened.ok());
    std::unique_ptr<DB> db = std::move(opened.value());
    // Into the second segment, and past its middle, where the third is prepared.
    std::uint64_t bytes = 0;
    while (bytes < options.segment_bytes * 3 / 2 + 256 * 1024) {
      values.push_back(value_of(values.size(), 16 * 1024 + rng() % (32 * 1024)));
      bytes += values.back().size();
      auto lsn = db->put(key_of(values.size() - 1), values.back());
      INFO(lsn.status().ToString() << "\n" << log->joined());
      REQUIRE(lsn.ok());
    }
    auto synced = db->sync();
    INFO(synced.status().ToString() << "\n" << log->joined());
    REQUIRE(synced.ok());
    CHECK(synced.value() == values.size());
    CHECK(db->stats().wal_segments >= 2);
  }

  const FsStats st = fs->stats();
  // The segments' .tmp names: what each cost to prepare (zero fill and header, up to the
  // fdatasync that makes the preparation durable).
  const std::uint64_t bound = options.segment_bytes / 4096;
  std::uint64_t prepared = 0;
  for (const auto& [path, f] : st.files) {
    const std::string name = path.substr(path.rfind('/') + 1);
    if (name.rfind("wal-", 0) != 0 || name.size() < 8 ||
        name.compare(name.size() - 8, 8, ".log.tmp") != 0)
      continue;
    ++prepared;
    const std::uint64_t writes = f.at("writes_before_fsync");
    std::printf("fusefs: %s prepared with %llu write requests (bound %llu), %llu fallocate "
                "attempt(s); %llu writes, %llu bytes through this handle in all\n",
                name.c_str(), static_cast<unsigned long long>(writes),
                static_cast<unsigned long long>(bound),
                static_cast<unsigned long long>(f.at("fallocates")),
                static_cast<unsigned long long>(f.at("writes")),
                static_cast<unsigned long long>(f.at("bytes")));
    INFO(name << ": " << writes << " write requests before its first fsync");
    CHECK(writes >= 1);
    CHECK(writes <= bound);
    CHECK(f.at("fallocates") == 1);  // tried once, told EOPNOTSUPP, zero-filled instead
    CHECK(f.at("bytes") >= options.segment_bytes);
  }
  CHECK(prepared >= 2);
  CHECK(st.total("fallocates") >= prepared);

  // And the database reads back whole from this file system.
  {
    auto db = DB::open(dir, options);
    INFO(db.status().ToString() << "\n" << log->joined());
    REQUIRE(db.ok());
    CHECK(db.value()->stats().recovery.last_lsn == values.size());
    CHECK(db.value()->stats().recovery.dropped_bytes == 0);
    for (std::uint64_t i = 0; i < values.size(); ++i) {
      INFO("key " << key_of(i));
      REQUIRE(get_or_marker(*db.value(), key_of(i)) == values[i]);
    }
  }
  const std::string problems = fs->unmount();
  CHECK(problems == "");
}

TEST_CASE("fusefs: the fault switches reach the backing file (drop-fsync, fail-fsync)",
          "[fusefs]") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  std::string why;
  auto fs = FaultFs::mount(&why);
  if (!fs) {
    WARN("fusefs: SKIPPED, no FUSE mount here: " << why);
    return;
  }

  // A plain file first: each switch, request by request.
  {
    const std::string path = fs->mnt() + "/plain";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    INFO("open " << path << ": " << std::strerror(errno));
    REQUIRE(fd >= 0);
    // O_EXCL reaches the file system: a second exclusive create is refused.
    int again = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    CHECK(again < 0);
    CHECK(errno == EEXIST);
    if (again >= 0) ::close(again);
    const std::string data(4096 + rng() % 4096, 'x');
    REQUIRE(::pwrite(fd, data.data(), data.size(), 0) == static_cast<ssize_t>(data.size()));

    const FsStats s0 = fs->stats();
    CHECK(::fsync(fd) == 0);
    const FsStats s1 = fs->stats();
    CHECK(s1.total("fsyncs_synced") == s0.total("fsyncs_synced") + 1);

    fs->set_mode("drop-fsync");
    CHECK(::fdatasync(fd) == 0);
    CHECK(::fsync(fd) == 0);
    const FsStats s2 = fs->stats();
    CHECK(s2.mode == "drop-fsync");
    CHECK(s2.total("fsyncs") == s1.total("fsyncs") + 2);
    CHECK(s2.total("fsyncs_dropped") == s1.total("fsyncs_dropped") + 2);
    CHECK(s2.total("fsyncs_synced") == s1.total("fsyncs_synced"));  // the backing file: none

    fs->set_mode("fail-fsync");
    errno = 0;
    CHECK(::fdatasync(fd) == -1);
    CHECK(errno == EIO);
    const FsStats s3 = fs->stats();
    CHECK(s3.total("fsyncs_failed") == s2.total("fsyncs_failed") + 1);
    CHECK(s3.total("fsyncs_synced") == s2.total("fsyncs_synced"));

    fs->set_mode("ok");
    CHECK(::fsync(fd) == 0);
    const FsStats s4 = fs->stats();
    CHECK(s4.total("fsyncs_synced") == s3.total("fsyncs_synced") + 1);
    ::close(fd);
    CHECK(read_text(fs->backing() + "/plain") == data);
  }

  // walkv in sync mode over drop-fsync: every commit "succeeds" and none reaches the disk.
  // Nothing an engine can notice — this only shows the switch works under walkv's I/O, for
  // tests that simulate a lying disk.
  {
    auto log = std::make_shared<LogLines>();
    const Options options = fs_options(CommitMode::kSync, IoBackend::kAuto, log);
    auto db = DB::open(fs->mnt() + "/db", options);
    INFO(db.status().ToString() << "\n" << log->joined());
    REQUIRE(db.ok());
    fs->set_mode("drop-fsync");
    const FsStats before = fs->stats();
    const std::uint64_t engine_fsyncs_before = db.value()->stats().fsyncs;
    const std::uint64_t writes = 10 + rng() % 20;
    for (std::uint64_t i = 0; i < writes; ++i) {
      auto lsn = db.value()->put(key_of(i), value_of(i, 100));
      REQUIRE(lsn.ok());
      CHECK(db.value()->durable_lsn() >= lsn.value());
    }
    const FsStats after = fs->stats();
    const std::uint64_t engine_fsyncs = db.value()->stats().fsyncs - engine_fsyncs_before;
    std::printf("fusefs: drop-fsync: %llu sync writes, the engine fdatasynced %llu times, "
                "faultfs dropped %llu fsyncs and passed %llu to the backing file\n",
                static_cast<unsigned long long>(writes),
                static_cast<unsigned long long>(engine_fsyncs),
                static_cast<unsigned long long>(after.total("fsyncs_dropped") -
                                                before.total("fsyncs_dropped")),
                static_cast<unsigned long long>(after.total("fsyncs_synced") -
                                                before.total("fsyncs_synced")));
    CHECK(engine_fsyncs >= writes);
    CHECK(after.total("fsyncs_dropped") - before.total("fsyncs_dropped") >= engine_fsyncs);
    CHECK(after.total("fsyncs_synced") == before.total("fsyncs_synced"));
    fs->set_mode("ok");
  }
  const std::string problems = fs->unmount();
  CHECK(problems == "");
}

}  // namespace
}  // namespace walkv::fusefs
