// The crash simulator's parts, in-process.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "args.h"
#include "checker.h"
#include "crash_test_dir.h"
#include "ledger.h"
#include "power_cut.h"
#include "recovery_dump.h"
#include "guarantee.h"
#include "progress.h"
#include "report.h"
#include "rng.h"
#include "run_meta.h"
#include "rot.h"
#include "rot_verdict.h"
#include "stats.h"
#include "svg_plot.h"
#include "workload.h"

using namespace walkv::crash;
using walkv::IoEvent;
using walkv::IoOp;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Performs real file operations around TrialLedgerHooks, the way the engine's FileSystem does.
class Recorder {
 public:
  Recorder(const CrashTestDir& dir, bool undo_data = true, std::size_t bytes = 16 << 20)
      : db(dir.sub("db")), shadow(dir.sub("shadow")) {
    std::filesystem::create_directories(db);
    std::filesystem::create_directories(shadow);
    REQUIRE(region.create(bytes).empty());
    hooks = std::make_unique<TrialLedgerHooks>(region.data(), region.size(), shadow, undo_data,
                                          std::nullopt);
  }
  ~Recorder() {
    for (auto& [p, fd] : fds) ::close(fd);
  }
  std::string path(const std::string& name) const { return db + "/" + name; }

  int create(const std::string& name) {
    const std::string p = path(name);
    IoEvent ev{IoOp::kCreate, p};
    hooks->before(ev);
    const int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    hooks->after(ev, fd < 0 ? errno : 0);
    REQUIRE(fd >= 0);
    fds[p] = fd;
    return fd;
  }
  void write(const std::string& name, std::uint64_t off, const std::string& data) {
    const std::string p = path(name);
    IoEvent ev{IoOp::kWrite, p, nullptr, fds.at(p), off, data.size(), data.data()};
    hooks->before(ev);
    REQUIRE(::pwrite(fds.at(p), data.data(), data.size(), static_cast<off_t>(off)) ==
            static_cast<ssize_t>(data.size()));
    hooks->after(ev, 0);
  }
  // complete=false: the process "dies" inside fdatasync (no after()).
  void sync(const std::string& name, bool complete = true, int result = 0) {
    const std::string p = path(name);
    IoEvent ev{IoOp::kSync, p, nullptr, fds.at(p)};
    hooks->before(ev);
    if (result == 0) ::fdatasync(fds.at(p));
    if (complete) hooks->after(ev, result);
  }
  void dir_sync() {
    IoEvent ev{IoOp::kDirSync, db};
    hooks->before(ev);
    hooks->after(ev, 0);
  }
  void rename(const std::string& from, const std::string& to) {
    const std::string a = path(from), b = path(to);
    IoEvent ev{IoOp::kRename, a, &b};
    hooks->before(ev);
    REQUIRE(::rename(a.c_str(), b.c_str()) == 0);
    hooks->after(ev, 0);
    if (fds.count(a)) {
      if (fds.count(b)) ::close(fds[b]);
      fds[b] = fds[a];
      fds.erase(a);
    }
  }
  void unlink(const std::string& name) {
    const std::string p = path(name);
    IoEvent ev{IoOp::kUnlink, p};
    hooks->before(ev);
    REQUIRE(::unlink(p.c_str()) == 0);
    hooks->after(ev, 0);
  }
  LedgerContents contents() {
    LedgerContents c;
    REQUIRE(read_ledger(region.data(), region.size(), &c).empty());
    return c;
  }
  std::string cut(std::uint64_t seed, PowerCutOptions o, PowerCutReport* rep = nullptr) {
    PowerCutReport local;
    return apply_power_cut(contents(), db, shadow, seed, o, rep ? rep : &local);
  }

  std::string db, shadow;
  SharedRegion region;
  std::unique_ptr<TrialLedgerHooks> hooks;
  std::map<std::string, int> fds;
};

PowerCutOptions keep(unsigned percent, unsigned tear = 0) {
  PowerCutOptions o;
  o.sector_keep_percent = percent;
  o.tear_percent = tear;
  return o;
}

}  // namespace

// ---- workload ---------------------------------------------------------------------------

TEST_CASE("values name their writer, sequence and item and are reproducible", "[workload]") {
  const std::string v = value_for(3, 1234, 2, 300);
  CHECK(v.size() == 300);
  CHECK(v == value_for(3, 1234, 2, 300));
  CHECK(v != value_for(3, 1235, 2, 300));
  auto id = parse_value(v);
  REQUIRE(id);
  CHECK(id->writer == 3);
  CHECK(id->seq == 1234);
  CHECK(id->item == 2);
  CHECK_FALSE(parse_value("garbage"));
  CHECK_FALSE(parse_value(std::string(40, '\0')));
}

TEST_CASE("keys round-trip and reject foreign names", "[workload]") {
  auto k = parse_key(key_name(7, 42));
  REQUIRE(k);
  CHECK(k->first == 7);
  CHECK(k->second == 42);
  CHECK_FALSE(parse_key("x"));
  CHECK_FALSE(parse_key("w1-kx"));
  CHECK_FALSE(parse_key(std::string(kMarkerKey)));
}

TEST_CASE("the op generator is deterministic per seed and writer", "[workload]") {
  OpGenerator a(99, 1, 16), b(99, 1, 16), c(99, 2, 16);
  bool differs = false, saw_batch = false, saw_del = false;
  for (int i = 0; i < 500; ++i) {
    Op x = a.next(), y = b.next(), z = c.next();
    REQUIRE(x.items.size() == y.items.size());
    for (std::size_t j = 0; j < x.items.size(); ++j) {
      CHECK(x.items[j].key == y.items[j].key);
      CHECK(x.items[j].del == y.items[j].del);
      CHECK(x.items[j].value_len == y.items[j].value_len);
      CHECK(x.items[j].key < 16);
      saw_del |= x.items[j].del;
    }
    saw_batch |= x.batch;
    differs |= x.items.size() != z.items.size() || x.items[0].key != z.items[0].key;
  }
  CHECK(differs);
  CHECK(saw_batch);
  CHECK(saw_del);
}

// ---- arguments ------------------------------------------------------------------------

TEST_CASE("modes parse with their flush interval", "[args]") {
  ModeSpec m;
  CHECK(parse_mode("sync", &m).empty());
  CHECK(m.commit == walkv::CommitMode::kSync);
  CHECK(m.flush_interval.count() == 0);
  CHECK(parse_mode("async:1ms", &m).empty());
  CHECK(m.commit == walkv::CommitMode::kAsync);
  CHECK(m.flush_interval.count() == 1000);
  // The shared duration parser: fractions and every unit the other tools take.
  CHECK(parse_mode("async:1.5ms", &m).empty());
  CHECK(m.flush_interval.count() == 1500);
  CHECK(m.name == "async:1.5ms");
  CHECK(parse_mode("os:5ms", &m).empty());
  CHECK(m.commit == walkv::CommitMode::kOs);
  CHECK(m.flush_interval.count() == 5000);
  CHECK_FALSE(parse_mode("os", &m).empty());       // the interval is the bound: never implied
  CHECK_FALSE(parse_mode("sync:5ms", &m).empty());  // sync has none
  CHECK_FALSE(parse_mode("os:0ms", &m).empty());
  CHECK(parse_mode("async:250us", &m).empty());
  CHECK(m.flush_interval.count() == 250);
  CHECK(parse_mode("async:2s", &m).empty());
  CHECK(m.flush_interval.count() == 2000000);
  CHECK_FALSE(parse_mode("async", &m).empty());
  CHECK_FALSE(parse_mode("async:0ms", &m).empty());
  CHECK_FALSE(parse_mode("async:5", &m).empty());
  CHECK_FALSE(parse_mode("async:5h", &m).empty());
  CHECK_FALSE(parse_mode("fast", &m).empty());
}

namespace {

std::optional<Config> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "walkv-crash");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int rc = -1;
  return parse_args(static_cast<int>(argv.size()), argv.data(), false, &rc);
}

}  // namespace

TEST_CASE("crash kinds: both is kill and power, all adds rot and double", "[args][rot]") {
  using enum CrashKind;
  auto both = parse({"--crash", "both"});
  REQUIRE(both);
  CHECK(both->crashes == std::vector<CrashKind>{kKill, kPower});
  CHECK(crash_list_name(both->crashes) == "both");
  auto all = parse({"--crash", "all"});
  REQUIRE(all);
  CHECK(all->crashes == std::vector<CrashKind>{kKill, kPower, kRot, kDouble});
  CHECK(crash_list_name(all->crashes) == "all");
  auto dbl = parse({"--crash", "double"});
  REQUIRE(dbl);
  CHECK(dbl->crashes == std::vector<CrashKind>{kDouble});
  CHECK(crash_list_name(dbl->crashes) == "double");
  auto rot = parse({"--crash", "rot", "--rot-bits", "3"});
  REQUIRE(rot);
  CHECK(rot->crashes == std::vector<CrashKind>{kRot});
  CHECK(rot->rot_bits == 3);
  CHECK(crash_list_name(rot->crashes) == "rot");
  CHECK(parse({})->rot_bits == 1);
  CHECK_FALSE(parse({"--rot-bits", "0"}));
}

// ---- statistics -----------------------------------------------------------------------

TEST_CASE("histogram quantiles are within 2 percent", "[stats]") {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.add(v * 10);
  CHECK(h.count() == 100000);
  CHECK(h.quantile_ns(0.5) == Approx(500000).epsilon(0.02));
  CHECK(h.quantile_ns(0.99) == Approx(990000).epsilon(0.02));
  CHECK(h.quantile_ns(0.999) == Approx(999000).epsilon(0.02));
  LatencyHistogram empty;
  CHECK(empty.quantile_ns(0.5) == 0);
  h.merge(h);
  CHECK(h.count() == 200000);
}

TEST_CASE("small-sample quantiles use the nearest rank", "[stats]") {
  CHECK(quantile({5, 1, 3, 2, 4}, 0.5) == 3);
  CHECK(quantile({5, 1, 3, 2, 4}, 1.0) == 5);
  CHECK(quantile({}, 0.5) == 0);
  CHECK(mean({1, 2, 3}) == 2);
  CHECK(max_of({1, 7, 3}) == 7);
}

// ---- recovery dump --------------------------------------------------------------------

TEST_CASE("the recovery dump round-trips binary values and rejects truncation", "[dump]") {
  RecoveredState s;
  s.opened = true;
  s.last_lsn = 77;
  s.dropped_bytes = 512;
  s.dropped_reason = "checksum mismatch";
  s.open_ms = 12.5;
  s.kv = {{"a", std::string("\0\xff\x01", 3)}, {"b", ""}};
  s.reopen_ok = true;
  const std::string bytes = encode_recovered(s);
  RecoveredState d;
  std::string err;
  REQUIRE(decode_recovered(bytes, &d, &err));
  CHECK(d.opened);
  CHECK(d.last_lsn == 77);
  CHECK(d.dropped_reason == "checksum mismatch");
  CHECK(d.open_ms == 12.5);
  CHECK(d.kv == s.kv);
  CHECK(d.reopen_ok);
  RecoveredState t;
  CHECK_FALSE(decode_recovered(bytes.substr(0, bytes.size() - 1), &t, &err));
}

// ---- ledger -----------------------------------------------------------------------------

TEST_CASE("the ledger records writes with their pre-image and pairs completions", "[ledger]") {
  CrashTestDir dir;
  Recorder r(dir);
  r.create("f");
  r.write("f", 0, std::string(1024, 'A'));
  r.write("f", 100, std::string(600, 'B'));
  r.sync("f");
  r.write("f", 2000, "tail");  // beyond EOF: no pre-image bytes
  const auto c = r.contents();
  CHECK_FALSE(c.overflow);
  std::vector<const LedgerEntry*> writes;
  for (const auto& e : c.entries) {
    if (e.op == IoOp::kWrite && e.phase == Phase::kBefore) writes.push_back(&e);
  }
  REQUIRE(writes.size() == 3);
  CHECK(writes[0]->pre_len == 0);
  CHECK(writes[1]->pre_len == 600);
  CHECK(writes[1]->pre == std::string(600, 'A'));
  CHECK(writes[2]->pre_len == 0);
  // Every after() names its before().
  std::set<std::uint32_t> before_ids;
  for (const auto& e : c.entries) {
    if (e.phase == Phase::kBefore) before_ids.insert(e.id);
    else CHECK(before_ids.count(e.id) == 1);
  }
}

TEST_CASE("zero pre-images are flagged, not stored", "[ledger]") {
  CrashTestDir dir;
  Recorder r(dir);
  r.create("f");
  r.write("f", 0, std::string(4096, '\0'));
  r.write("f", 0, std::string(4096, 'x'));
  const auto c = r.contents();
  const LedgerEntry* last = nullptr;
  for (const auto& e : c.entries) {
    if (e.op == IoOp::kWrite && e.phase == Phase::kBefore) last = &e;
  }
  REQUIRE(last);
  CHECK(last->pre_zero());
  CHECK(last->pre_len == 4096);
  CHECK(last->pre.empty());
}

TEST_CASE("a second process's hooks continue the ledger with fresh ids", "[ledger]") {
  // A double trial's middle process appends to the workload's region: an after() entry
  // must name its own before(), not one of the earlier process's.
  CrashTestDir dir;
  Recorder r(dir);
  r.create("f");
  r.write("f", 0, "first");
  r.sync("f", /*complete=*/false);  // the first process dies inside this fdatasync
  r.hooks = std::make_unique<TrialLedgerHooks>(r.region.data(), r.region.size(), r.shadow, true,
                                          std::nullopt);
  r.write("f", 0, "again");
  r.sync("f");
  const auto c = r.contents();
  std::map<std::uint32_t, int> befores;
  std::uint32_t last_before = 0;
  for (const auto& e : c.entries) {
    if (e.phase == Phase::kBefore) {
      ++befores[e.id];
      CHECK(e.id > last_before);
      last_before = e.id;
    }
  }
  for (const auto& [id, n] : befores) CHECK(n == 1);
  // The second process's sync completed, the first's did not: the cut keeps "again".
  REQUIRE(r.cut(1, keep(0)).empty());
  CHECK(read_file(r.path("f")) == "again");
}

TEST_CASE("a full ledger says so instead of dropping entries silently", "[ledger]") {
  CrashTestDir dir;
  Recorder r(dir, true, 4096);
  r.create("f");
  for (int i = 0; i < 10; ++i) r.write("f", 0, std::string(1000, static_cast<char>('a' + i)));
  CHECK(r.contents().overflow);
}

// ---- power cut --------------------------------------------------------------------------

TEST_CASE("unsynced writes revert to their pre-image when no sector survives", "[power]") {
  CrashTestDir dir;
  Recorder r(dir);
  r.create("f");
  r.write("f", 0, std::string(2048, 'A'));
  r.sync("f");
  r.dir_sync();
  r.write("f", 300, std::string(1000, 'B'));
  r.write("f", 2048, std::string(100, 'C'));  // extends the file: reverts to zeros
  REQUIRE(r.cut(1, keep(0)).empty());
  std::string want = std::string(2048, 'A') + std::string(100, '\0');
  CHECK(read_file(r.path("f")) == want);
}

TEST_CASE("unsynced writes stay when every sector survives", "[power]") {
  CrashTestDir dir;
  Recorder r(dir);
  r.create("f");
  r.write("f", 0, std::string(2048, 'A'));
  r.sync("f");
  r.dir_sync();
  r.write("f", 300, std::string(1000, 'B'));
  const std::string before = read_file(r.path("f"));
  REQUIRE(r.cut(1, keep(100)).empty());
  CHECK(read_file(r.path("f")) == before);
}

TEST_CASE("surviving sectors are a seeded subset, whole 512-byte sectors", "[power]") {
  CrashTestDir dir;
  Recorder r(dir);
  r.create("f");
  r.write("f", 0, std::string(512 * 16, 'A'));
  r.sync("f");
  r.dir_sync();
  r.write("f", 0, std::string(512 * 16, 'B'));
  PowerCutReport rep;
  REQUIRE(r.cut(7, keep(50), &rep).empty());
  const std::string got = read_file(r.path("f"));
  int kept = 0;
  for (int s = 0; s < 16; ++s) {
    const std::string sector = got.substr(static_cast<std::size_t>(s) * 512, 512);
    const bool all_a = sector == std::string(512, 'A'), all_b = sector == std::string(512, 'B');
    CHECK((all_a || all_b));
    kept += all_b;
  }
  CHECK(kept == static_cast<int>(rep.sectors_kept));
  CHECK(kept > 0);
  CHECK(kept < 16);
}

TEST_CASE("the same ledger and seed give the same cut", "[power]") {
  std::string results[2];
  for (auto& res : results) {
    CrashTestDir dir;
    Recorder r(dir);
    r.create("f");
    r.write("f", 0, std::string(512 * 32, 'A'));
    r.sync("f");
    r.dir_sync();
    for (int i = 0; i < 4; ++i) r.write("f", 512u * 8 * i, std::string(512 * 8, 'a' + i));
    REQUIRE(r.cut(42, PowerCutOptions{}).empty());
    res = read_file(r.path("f"));
  }
  CHECK(results[0] == results[1]);
}

TEST_CASE("a sector keeps one version: older writes never show through a kept one", "[power]") {
  CrashTestDir dir;
  Recorder r(dir);
  r.create("f");
  r.write("f", 0, std::string(512, 'A'));
  r.sync("f");
  r.dir_sync();
  r.write("f", 0, std::string(512, 'B'));
  r.write("f", 0, std::string(512, 'C'));
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    // Rebuild the newest content, then cut: the result is A, B or C, never a mix.
    int fd = ::open(r.path("f").c_str(), O_WRONLY);
    REQUIRE(::pwrite(fd, std::string(512, 'C').data(), 512, 0) == 512);
    ::close(fd);
    REQUIRE(r.cut(seed, keep(50)).empty());
    const std::string got = read_file(r.path("f"));
    CHECK((got == std::string(512, 'A') || got == std::string(512, 'B') ||
           got == std::string(512, 'C')));
  }
}

TEST_CASE("the newest write's last sector can be torn", "[power]") {
  CrashTestDir dir;
  Recorder r(dir);
  r.create("f");
  r.write("f", 0, std::string(1024, 'A'));
  r.sync("f");
  r.dir_sync();
  r.write("f", 0, std::string(1024, 'B'));
  PowerCutReport rep;
  REQUIRE(r.cut(3, keep(100, 100), &rep).empty());
  CHECK(rep.sectors_torn == 1);
  const std::string got = read_file(r.path("f"));
  CHECK(got.substr(0, 512) == std::string(512, 'B'));
  const std::string last = got.substr(512);
  const auto cut = last.find('A');
  REQUIRE(cut != std::string::npos);
  CHECK(cut > 0);
  CHECK(last.substr(0, cut) == std::string(cut, 'B'));
  CHECK(last.substr(cut) == std::string(512 - cut, 'A'));
}

TEST_CASE("only a completed, successful fsync makes writes durable", "[power]") {
  CrashTestDir dir;
  Recorder r(dir);
  r.create("ok");
  r.create("inflight");
  r.create("failed");
  r.dir_sync();
  for (const char* f : {"ok", "inflight", "failed"}) r.write(f, 0, std::string(512, 'N'));
  r.sync("ok");
  r.sync("inflight", /*complete=*/false);
  r.sync("failed", true, EIO);
  REQUIRE(r.cut(5, keep(0)).empty());
  CHECK(read_file(r.path("ok")) == std::string(512, 'N'));
  CHECK(read_file(r.path("inflight")) == std::string(512, '\0'));
  CHECK(read_file(r.path("failed")) == std::string(512, '\0'));
}

TEST_CASE("a create without a directory fsync may vanish, with one it stays", "[power]") {
  bool vanished = false, stayed = false;
  for (std::uint64_t seed = 0; seed < 16 && !(vanished && stayed); ++seed) {
    CrashTestDir dir;
    Recorder r(dir);
    r.create("synced");
    r.write("synced", 0, "x");
    r.sync("synced");
    r.dir_sync();
    r.create("new");
    r.write("new", 0, "y");
    r.sync("new");
    REQUIRE(r.cut(seed, keep(100)).empty());
    CHECK(std::filesystem::exists(r.path("synced")));
    if (std::filesystem::exists(r.path("new"))) stayed = true; else vanished = true;
  }
  CHECK(vanished);
  CHECK(stayed);
}

TEST_CASE("undone directory operations are a suffix, undone newest first", "[power]") {
  // create tmp, rename tmp -> snap (replacing an old snap), unlink old: 3 unsynced ops.
  std::set<std::string> outcomes;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    CrashTestDir dir;
    Recorder r(dir);
    r.create("snap");
    r.write("snap", 0, "old-snapshot");
    r.sync("snap");
    r.create("wal");
    r.write("wal", 0, "old-wal");
    r.sync("wal");
    r.dir_sync();
    r.create("tmp");
    r.write("tmp", 0, "new-snapshot");
    r.sync("tmp");
    r.rename("tmp", "snap");
    r.unlink("wal");
    PowerCutReport rep;
    REQUIRE(r.cut(seed, keep(100), &rep).empty());
    CHECK(rep.dir_ops_unsynced == 3);
    const bool tmp = std::filesystem::exists(r.path("tmp"));
    const bool wal = std::filesystem::exists(r.path("wal"));
    const std::string snap = read_file(r.path("snap"));
    std::string state;
    if (!tmp && snap == "new-snapshot" && !wal) state = "all kept";
    else if (!tmp && snap == "new-snapshot" && wal) state = "unlink undone";
    else if (tmp && snap == "old-snapshot" && wal) state = "rename undone";
    else if (!tmp && snap == "old-snapshot" && wal) state = "all undone";
    else FAIL("impossible state: tmp=" << tmp << " wal=" << wal << " snap=" << snap);
    if (wal) CHECK(read_file(r.path("wal")) == "old-wal");
    if (tmp) CHECK(read_file(r.path("tmp")) == "new-snapshot");
    outcomes.insert(state);
  }
  CHECK(outcomes.size() == 4);
}

TEST_CASE("a visible write of an in-flight io_uring chain proves the fsync linked ahead of it",
          "[power]") {
  // The chain write(a) -> fdatasync(a) -> write(b) -> fdatasync(b), submitted; the process
  // dies before it reaps any of it. If b's bytes are in the file, fdatasync(a) completed.
  for (const bool b_ran : {true, false}) {
    CAPTURE(b_ran);
    CrashTestDir dir;
    Recorder r(dir);
    const int fa = r.create("a");
    const int fb = r.create("b");
    r.dir_sync();
    const std::string pa = r.path("a"), pb = r.path("b");
    const std::string da(700, 'A'), db(300, 'B');
    IoEvent wa{.op = IoOp::kWrite, .path = pa, .fd = fa, .length = da.size(), .data = da.data(),
               .via_uring = true};
    IoEvent sa{.op = IoOp::kSync, .path = pa, .fd = fa, .via_uring = true};
    IoEvent wb{.op = IoOp::kWrite, .path = pb, .fd = fb, .length = db.size(), .data = db.data(),
               .via_uring = true};
    IoEvent sb{.op = IoOp::kSync, .path = pb, .fd = fb, .via_uring = true};
    for (const auto* ev : {&wa, &sa, &wb, &sb}) r.hooks->before(*ev);
    REQUIRE(::pwrite(fa, da.data(), da.size(), 0) == static_cast<ssize_t>(da.size()));
    if (b_ran) REQUIRE(::pwrite(fb, db.data(), db.size(), 0) == static_cast<ssize_t>(db.size()));

    LedgerContents c = r.contents();
    std::string err;
    const auto proven = linked_completions(c, r.db, r.shadow, &err);
    REQUIRE(err.empty());
    REQUIRE(proven.size() == (b_ran ? 3u : 1u));  // write(a), fdatasync(a), write(b) / write(a)
    for (const auto& e : proven) CHECK(e.phase == Phase::kAfter);
    c.entries.insert(c.entries.end(), proven.begin(), proven.end());
    PowerCutReport rep;
    REQUIRE(apply_power_cut(c, r.db, r.shadow, 1, keep(0), &rep).empty());
    CHECK(read_file(pa) == (b_ran ? da : std::string(da.size(), '\0')));
    // Never synced: reverted, as zeros past the old end of the file.
    CHECK(read_file(pb) == std::string(db.size(), '\0'));
  }
}

TEST_CASE("the worst case undoes every directory operation after the last fsync", "[power]") {
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    CAPTURE(seed);
    CrashTestDir dir;
    Recorder r(dir);
    r.create("snap");
    r.write("snap", 0, "old-snapshot");
    r.sync("snap");
    r.dir_sync();
    r.create("tmp");
    r.write("tmp", 0, "new-snapshot");
    r.sync("tmp");
    r.rename("tmp", "snap");
    r.create("unsynced");
    PowerCutOptions worst = keep(0);
    worst.undo_unsynced_dir_ops = true;
    PowerCutReport rep;
    REQUIRE(r.cut(seed, worst, &rep).empty());
    CHECK(rep.dir_ops_unsynced == 3);
    CHECK(rep.dir_ops_undone == 3);
    CHECK(read_file(r.path("snap")) == "old-snapshot");
    CHECK_FALSE(std::filesystem::exists(r.path("tmp")));  // its create is undone too
    CHECK_FALSE(std::filesystem::exists(r.path("unsynced")));
  }
}

// ---- checker ----------------------------------------------------------------------------

namespace {

// A faithful engine in miniature: applies one writer's ops with LSNs 1..n in order.
struct Sim {
  std::uint64_t seed = 11;
  std::uint32_t keys = 8;
  std::vector<Op> ops;
  CheckInput input(std::size_t acked, bool sync) {
    OpGenerator gen(seed, 0, keys);
    ops.clear();
    for (std::size_t i = 0; i <= acked; ++i) ops.push_back(gen.next());
    CheckInput in;
    in.trial_seed = seed;
    in.keys_per_writer = keys;
    in.writers.resize(1);
    for (std::size_t i = 0; i < acked; ++i) {
      in.writers[0].acks.push_back({i, i + 1, 1000 * i, 1000 * i + 10});
    }
    in.crash_ns = 1000 * acked + 500;
    in.sync_mode = sync;
    in.lose_nothing = sync;
    return in;
  }
  // State after ops[0..upto) (LSN <= upto).
  RecoveredState state(std::size_t upto) {
    std::map<std::string, std::string> kv;
    for (std::size_t i = 0; i < upto; ++i) {
      for (std::uint32_t j = 0; j < ops[i].items.size(); ++j) {
        const auto& it = ops[i].items[j];
        if (it.del) kv.erase(key_name(0, it.key));
        else kv[key_name(0, it.key)] = value_for(0, ops[i].seq, j, it.value_len);
      }
    }
    RecoveredState s;
    s.opened = true;
    s.reopen_ok = true;
    s.last_lsn = upto;
    s.kv.assign(kv.begin(), kv.end());
    return s;
  }
};

}  // namespace

TEST_CASE("a prefix of LSN order passes and counts what was lost", "[checker]") {
  Sim sim;
  auto in = sim.input(100, false);
  auto res = check_recovery(in, sim.state(90));
  INFO(res.problems.size());
  CHECK_FALSE(res.broken());
  CHECK(res.lost_acked == 10);
  CHECK(res.loss_window_ms == Approx((1000.0 * 100 + 500 - (1000 * 90 + 10)) / 1e6));
  auto all = check_recovery(in, sim.state(100));
  CHECK_FALSE(all.broken());
  CHECK(all.lost_acked == 0);
}

TEST_CASE("the in-flight write may or may not be there", "[checker]") {
  Sim sim;
  auto in = sim.input(50, true);
  CHECK_FALSE(check_recovery(in, sim.state(50)).broken());
  CHECK_FALSE(check_recovery(in, sim.state(51)).broken());
}

TEST_CASE("sync mode may lose nothing acknowledged", "[checker]") {
  Sim sim;
  auto in = sim.input(50, true);
  auto res = check_recovery(in, sim.state(49));
  CHECK(res.lost_promised);
  CHECK(res.broken());
}

TEST_CASE("a hole below the recovered last LSN is a prefix violation", "[checker]") {
  Sim sim;
  auto in = sim.input(60, false);
  auto s = sim.state(60);
  // Replay everything but LSN 55 (ops[54]), like a recovery that skipped one record.
  auto skipped = sim.state(54);
  std::map<std::string, std::string> kv(skipped.kv.begin(), skipped.kv.end());
  for (std::size_t i = 55; i < 60; ++i) {
    for (std::uint32_t j = 0; j < sim.ops[i].items.size(); ++j) {
      const auto& it = sim.ops[i].items[j];
      if (it.del) kv.erase(key_name(0, it.key));
      else kv[key_name(0, it.key)] = value_for(0, sim.ops[i].seq, j, it.value_len);
    }
  }
  s.kv.assign(kv.begin(), kv.end());
  if (s.kv == sim.state(60).kv) {
    SUCCEED("LSN 55 was overwritten by later writes: no visible hole for this seed");
    return;
  }
  auto res = check_recovery(in, s);
  CHECK(res.prefix_violation);
}

TEST_CASE("garbage values and unknown keys are caught", "[checker]") {
  Sim sim;
  auto in = sim.input(40, false);
  auto s = sim.state(40);
  REQUIRE_FALSE(s.kv.empty());
  s.kv[0].second[s.kv[0].second.size() - 1] ^= 1;
  CHECK(check_recovery(in, s).prefix_violation);
  auto t = sim.state(40);
  t.kv.emplace_back("zzz", "v");
  CHECK(check_recovery(in, t).prefix_violation);
}

TEST_CASE("a resurrected delete is caught", "[checker]") {
  Sim sim;
  auto in = sim.input(200, false);
  // Find a delete of a key that held a value just before it.
  for (std::size_t i = 1; i < 200; ++i) {
    const auto& op = sim.ops[i];
    if (op.batch || !op.items[0].del) continue;
    auto before = sim.state(i);
    const std::string k = key_name(0, op.items[0].key);
    auto it = std::find_if(before.kv.begin(), before.kv.end(),
                           [&](const auto& p) { return p.first == k; });
    if (it == before.kv.end()) continue;
    auto after = sim.state(i + 1);
    after.kv.push_back(*it);
    std::sort(after.kv.begin(), after.kv.end());
    auto res = check_recovery(in, after);
    CHECK(res.prefix_violation);
    REQUIRE_FALSE(res.problems.empty());
    CHECK(res.problems[0].find("1 resurrected") != std::string::npos);
    return;
  }
  FAIL("the workload made no delete of a live key in 200 ops");
}

TEST_CASE("a last LSN beyond anything written is caught", "[checker]") {
  Sim sim;
  auto in = sim.input(30, false);
  auto s = sim.state(30);
  s.last_lsn = 40;
  CHECK(check_recovery(in, s).prefix_violation);
}

TEST_CASE("a failed recovery is a recovery failure", "[checker]") {
  Sim sim;
  auto in = sim.input(5, false);
  RecoveredState s;
  s.open_error = "Corruption: bad";
  auto res = check_recovery(in, s);
  CHECK(res.recovery_failure);
  CHECK(res.broken());
}

// ---- reports ----------------------------------------------------------------------------

TEST_CASE("JSON rows carry exactly the documented fields and the rot counts", "[report]") {
  Row r;
  r.mode = "async:1ms";
  r.flush_interval_us = 1000;
  r.crash = "power";
  r.trials = 3;
  const auto j = to_json({r});
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 1);
  std::set<std::string> keys;
  for (const auto& [k, v] : j[0].items()) keys.insert(k);
  CHECK(keys == std::set<std::string>{"mode", "flush_interval_us", "crash", "trials",
                                      "commits_per_sec", "latency_us", "lost_acked",
                                      "loss_window_ms", "prefix_violations", "recovery_failures",
                                      "recovery_ms", "rot_full", "rot_refused", "commit_mode",
                                      "loss_promise", "loss_bound_ms", "broken_trials",
                                      "flush_round_max_ms", "io_backend"});
  CHECK(j[0]["latency_us"].contains("p999"));
  CHECK(j[0]["lost_acked"].contains("total"));
  CHECK(j[0]["recovery_ms"].contains("p50"));
}

namespace {

RunMeta test_meta() {
  auto c = parse({"--seed", "17", "--modes", "sync,os:5ms", "--segment-bytes", "4M"});
  REQUIRE(c);
  RunMeta m = make_meta(*c, 1800000000);
  m.backend = "posix";
  m.trials_planned = 4;
  m.trials_done = 4;
  return m;
}

}  // namespace

TEST_CASE("the results file describes its run: version, commit, options, date, disk",
          "[report][meta]") {
  const RunMeta m = test_meta();
  Row r;
  r.mode = "sync";
  r.crash = "kill";
  const auto doc = results_document(m, {r});
  REQUIRE(doc.is_object());
  REQUIRE(doc["results"].is_array());
  CHECK(doc["results"].size() == 1);
  const auto& meta = doc["meta"];
  for (const char* k : {"version", "commit", "seed", "options", "date", "file_system", "backend",
                        "schema"}) {
    INFO(k);
    CHECK(meta.contains(k));
  }
  CHECK_FALSE(meta["version"].get<std::string>().empty());
  CHECK_FALSE(meta["commit"].get<std::string>().empty());
  CHECK(meta["seed"] == 17);
  CHECK(meta["schema"] == kResultsSchema);
  CHECK(meta["date"] == "2027-01-15T08:00:00Z");
  CHECK(meta["backend"] == "posix");
  CHECK(meta["options"]["modes"] == "sync,os:5ms");
  CHECK(meta["options"]["segment_bytes"] == 4u << 20);
  CHECK(meta["options"]["window_margin_ms"] == 25.0);
  CHECK(meta["file_system"] != "");
}

TEST_CASE("CSV files open with the metadata as comment lines", "[report][meta]") {
  const RunMeta m = test_meta();
  ModeSpec os;
  REQUIRE(parse_mode("os:5ms", &os).empty());
  std::vector<TrialOutcome> trials(2);
  trials[0].index = 0;
  trials[1].index = 1;
  trials[1].check.lost_acked = 7;
  trials[1].check.loss_window_ms = 3.5;
  trials[1].check.lost_promised = true;
  const Row kill = aggregate(os, CrashKind::kKill, trials, 25);
  CHECK(kill.commit_mode == "os");
  CHECK(kill.loss_promise == "nothing");
  CHECK(kill.loss_bound_ms == 0);
  CHECK(kill.broken_trials == 1);
  const Row power = aggregate(os, CrashKind::kPower, trials, 25);
  CHECK(power.loss_promise == "bounded");
  CHECK(power.loss_bound_ms == Approx(35));

  const std::string csv = to_csv({kill, power}, m);
  std::istringstream in(csv);
  std::string line;
  std::vector<std::string> comments, lines;
  while (std::getline(in, line)) (line.rfind("# ", 0) == 0 ? comments : lines).push_back(line);
  CHECK(csv.rfind("# ", 0) == 0);  // comments first
  CHECK(std::find(comments.begin(), comments.end(), "# seed: 17") != comments.end());
  CHECK(std::find(comments.begin(), comments.end(), "# schema: " + std::to_string(kResultsSchema)) !=
        comments.end());
  CHECK(std::find_if(comments.begin(), comments.end(), [](const std::string& c) {
          return c.rfind("# options: {", 0) == 0;
        }) != comments.end());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("mode,flush_interval_us,crash,trials,commits_per_sec", 0) == 0);
  for (const char* col : {"broken_trials", "io_backend", "flush_round_max_ms", "commit_mode",
                          "loss_promise", "loss_bound_ms"}) {
    INFO(col);
    CHECK(lines[0].find(col) != std::string::npos);
  }
  CHECK(lines[1].rfind("os:5ms,5000,kill,2,", 0) == 0);

  const std::string per_trial = trials_csv({kill, power}, m);
  std::istringstream tin(per_trial);
  std::vector<std::string> tlines;
  while (std::getline(tin, line)) {
    if (line.rfind("# ", 0) != 0) tlines.push_back(line);
  }
  REQUIRE(tlines.size() == 5);  // header + 2 trials x 2 rows
  CHECK(tlines[0].rfind("mode,commit_mode,flush_interval_us,crash,trial,", 0) == 0);
  CHECK(tlines[2].rfind("os:5ms,os,5000,kill,1,", 0) == 0);
  CHECK(tlines[2].find(",7,3.500,") != std::string::npos);
  CHECK(tlines[2].substr(tlines[2].size() - 7) == ",broken");
  CHECK(tlines[1].substr(tlines[1].size() - 3) == ",ok");
}

TEST_CASE("the SVG chart is self-contained and names every mode", "[report]") {
  Row a, b;
  a.mode = "sync";
  a.crash = "kill";
  a.latency_p50_us = 500;
  a.latency_p99_us = 9000;
  b.mode = "async:10ms";
  b.crash = "power";
  b.latency_p50_us = 0.5;
  b.latency_p99_us = 20;
  b.lost_mean = 1500;
  b.lost_max = 4000;
  const std::string svg = render_svg({a, b}, "test <run>");
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("async:10ms") != std::string::npos);
  CHECK(svg.find("test &lt;run&gt;") != std::string::npos);
  CHECK(svg.find("href") == std::string::npos);  // nothing external
  CHECK(svg.find("<script") == std::string::npos);
}

TEST_CASE("sync: an in-flight write a reader saw must survive", "[checker]") {
  Sim sim;
  for (std::size_t acked = 20; acked < 60; ++acked) {
    auto in = sim.input(acked, true);
    if (sim.state(acked).kv == sim.state(acked + 1).kv) continue;  // invisible op (a no-op del)
    in.writers[0].seen_any = true;
    in.writers[0].max_seen_seq = acked;  // the in-flight op
    CHECK_FALSE(check_recovery(in, sim.state(acked + 1)).broken());
    auto res = check_recovery(in, sim.state(acked));
    CHECK(res.lost_promised);
    in.writers[0].max_seen_seq = acked - 1;  // only acknowledged writes were seen
    CHECK_FALSE(check_recovery(in, sim.state(acked)).broken());
    return;
  }
  FAIL("no visible op found");
}

// ---- rot: media damage ------------------------------------------------------------------

namespace {

// The seed of the randomised rot tests: WALKV_TEST_SEED when set (to replay a failure),
// else a fixed one. Each test prints it with any failure.
std::uint64_t test_seed() {
  const char* env = std::getenv("WALKV_TEST_SEED");
  return env && *env ? std::strtoull(env, nullptr, 10) : 20261201;
}

// A 1 MiB "segment": 5000 bytes of records (the last one non-zero), then zeros.
const std::vector<RotTarget> kSegment = {{"wal-0000000000000001.log", 1 << 20, 5000}};

}  // namespace

TEST_CASE("rot damages only walkv's own files", "[rot]") {
  CHECK(is_rot_target("wal-0000000000000002.log"));
  CHECK(is_rot_target("snapshot-00000000000004d2.snap"));
  CHECK(is_rot_target("CONTROL"));
  CHECK_FALSE(is_rot_target("LOCK"));
  CHECK_FALSE(is_rot_target("wal-0000000000000002.log.tmp"));
  CHECK_FALSE(is_rot_target("snapshot-00000000000004d2.snap.tmp"));
  CHECK_FALSE(is_rot_target("wal-000000000000002.log"));   // 15 digits
  CHECK_FALSE(is_rot_target("wal-000000000000000G.log"));
  CHECK_FALSE(is_rot_target("wal-00000000000000AB.log"));  // the engine writes lowercase
  CHECK_FALSE(is_rot_target("CONTROL.tmp"));
  CHECK_FALSE(is_rot_target("notes.txt"));
}

TEST_CASE("rot targets: sorted, sized, with their non-zero prefix", "[rot]") {
  CrashTestDir dir;
  auto put = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir.sub(name), std::ios::binary) << bytes;
  };
  std::string seg(3 << 20, '\0');  // spans several read chunks
  seg[0] = 'W';
  seg[(2 << 20) + 17] = 1;
  put("wal-0000000000000002.log", seg);
  put("wal-0000000000000001.log", std::string(4096, '\0'));
  put("snapshot-0000000000000010.snap", "abc");
  put("CONTROL", std::string("x\0\0", 3));
  put("LOCK", "");
  put("wal-0000000000000003.log.tmp", "zz");
  std::vector<RotTarget> t;
  REQUIRE(list_rot_targets(dir.path(), &t).empty());
  REQUIRE(t.size() == 4);
  CHECK(t[0].name == "CONTROL");
  CHECK(t[0].size == 3);
  CHECK(t[0].nonzero_end == 1);
  CHECK(t[1].name == "snapshot-0000000000000010.snap");
  CHECK(t[1].nonzero_end == 3);
  CHECK(t[2].name == "wal-0000000000000001.log");
  CHECK(t[2].size == 4096);
  CHECK(t[2].nonzero_end == 0);
  CHECK(t[3].size == seg.size());
  CHECK(t[3].nonzero_end == (2u << 20) + 18);
  CHECK_FALSE(list_rot_targets(dir.sub("missing"), &t).empty());
}

TEST_CASE("rot flips are a function of the seed", "[rot]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (WALKV_TEST_SEED replays)");
  std::vector<RotTarget> targets = kSegment;
  targets.push_back({"snapshot-0000000000000009.snap", 70000, 70000});
  targets.push_back({"CONTROL", 4096, 100});
  auto key = [](const std::vector<BitFlip>& v) {
    std::vector<std::tuple<std::string, std::uint64_t, int, bool>> k;
    for (const auto& f : v) k.emplace_back(f.file, f.offset, f.bit, f.prefix_draw);
    return k;
  };
  const auto a = choose_flips(targets, seed, 5);
  CHECK(a.size() == 5);
  CHECK(key(a) == key(choose_flips(targets, seed, 5)));
  // Another seed gives other flips (the chance of five equal draws is nil).
  CHECK(key(a) != key(choose_flips(targets, seed + 1, 5)));
  // Every file gets its share: over many seeds each target is hit.
  std::set<std::string> hit;
  for (std::uint64_t s = seed; s < seed + 200; ++s) hit.insert(choose_flips(targets, s, 1)[0].file);
  CHECK(hit.size() == 3);
}

TEST_CASE("rot flips stay in the file, 3/4 of them in its non-zero prefix", "[rot]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (WALKV_TEST_SEED replays)");
  const RotTarget& t = kSegment[0];
  const int n = 8000;
  int prefix_draws = 0, in_prefix = 0;
  std::set<int> bits;
  for (int i = 0; i < n; ++i) {
    const auto flips = choose_flips(kSegment, mix_seed(seed, static_cast<std::uint64_t>(i)), 1);
    REQUIRE(flips.size() == 1);
    const BitFlip& f = flips[0];
    CHECK(f.file == t.name);
    REQUIRE(f.offset < t.size);
    REQUIRE(f.bit >= 0);
    REQUIRE(f.bit < 8);
    if (f.prefix_draw) REQUIRE(f.offset < t.nonzero_end);
    prefix_draws += f.prefix_draw;
    in_prefix += f.offset < t.nonzero_end;
    bits.insert(f.bit);
  }
  // Binomial(8000, 3/4): standard deviation 0.005, so +-0.03 is six of them.
  CHECK(prefix_draws / double(n) == Approx(0.75).margin(0.03));
  // The other quarter is uniform over the file, of which the prefix is 5000 / 1 MiB.
  CHECK(in_prefix / double(n) == Approx(0.75 + 0.25 * 5000.0 / (1 << 20)).margin(0.03));
  CHECK(bits.size() == 8);
}

TEST_CASE("rot flips never cancel, and a file of zeros is drawn from anywhere", "[rot]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (WALKV_TEST_SEED replays)");
  // 16 bits in a 2-byte prefix: 12 of 16 possible prefix bits are drawn about 3/4 of the
  // time, so duplicates come up and must be drawn again.
  const std::vector<RotTarget> small = {{"CONTROL", 4096, 2}};
  const auto flips = choose_flips(small, seed, 16);
  CHECK(flips.size() == 16);
  std::set<std::pair<std::uint64_t, int>> distinct;
  for (const auto& f : flips) distinct.emplace(f.offset, f.bit);
  CHECK(distinct.size() == flips.size());
  // A 1-byte file has 8 bits: asking for more gives those 8.
  CHECK(choose_flips({{"CONTROL", 1, 1}}, seed, 20).size() == 8);
  // Nothing to damage: empty files only, or no files.
  CHECK(choose_flips({{"CONTROL", 0, 0}}, seed, 1).empty());
  CHECK(choose_flips({}, seed, 1).empty());
  for (std::uint64_t s = seed; s < seed + 100; ++s) {
    const auto z = choose_flips({{"wal-0000000000000001.log", 65536, 0}}, s, 1);
    REQUIRE(z.size() == 1);
    CHECK_FALSE(z[0].prefix_draw);
    CHECK(z[0].offset < 65536);
  }
}

TEST_CASE("rot flips exactly the chosen bit, and flipping again restores", "[rot]") {
  CrashTestDir dir;
  const std::string content = "0123456789";
  std::ofstream(dir.sub("CONTROL"), std::ios::binary) << content;
  std::vector<BitFlip> flips(1);
  flips[0].file = "CONTROL";
  flips[0].offset = 4;
  flips[0].bit = 1;
  REQUIRE(apply_flips(dir.path(), &flips).empty());
  CHECK(flips[0].before == '4');
  CHECK(flips[0].after == ('4' ^ 2));
  std::string want = content;
  want[4] = static_cast<char>('4' ^ 2);
  CHECK(read_file(dir.sub("CONTROL")) == want);
  CHECK(describe_flip(flips[0]).find("bit 1 of byte 4 (0x34 -> 0x36) in CONTROL") == 0);
  REQUIRE(apply_flips(dir.path(), &flips).empty());
  CHECK(read_file(dir.sub("CONTROL")) == content);
  flips[0].offset = 100;  // past the end: an error, not a silent no-op
  CHECK_FALSE(apply_flips(dir.path(), &flips).empty());
}

// ---- rot: classification ------------------------------------------------------------------

namespace {

struct RotCase {
  RestState rest;
  std::vector<BitFlip> flips;
  RotCase() {
    rest.kv = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
    rest.last_lsn = 40;
    flips.resize(1);
    flips[0].file = "wal-0000000000000002.log";
    flips[0].offset = 300;
  }
  // What a recovery that got it all back reports.
  RecoveredState full() const {
    RecoveredState s;
    s.opened = true;
    s.reopen_ok = true;
    s.kv = rest.kv;
    s.last_lsn = rest.last_lsn;
    return s;
  }
  static RecoveredState refused(std::string error) {
    RecoveredState s;
    s.open_error = std::move(error);
    return s;
  }
};

}  // namespace

TEST_CASE("rot: the state at rest recovered exactly is full", "[rot][classify]") {
  RotCase c;
  const auto v = classify_rot(c.rest, c.flips, c.full());
  CHECK(v.kind == RotClass::kFull);
  CHECK(v.problems.empty());
  // Scan order is irrelevant.
  auto s = c.full();
  std::reverse(s.kv.begin(), s.kv.end());
  CHECK(classify_rot(c.rest, c.flips, s).kind == RotClass::kFull);
}

TEST_CASE("rot: a Corruption naming a damaged file is a refusal", "[rot][classify]") {
  RotCase c;
  for (const char* e :
       {"Corruption: log damaged in /var/tmp/x/db/wal-0000000000000002.log at offset 300",
        "Corruption: wal-0000000000000002.log: checksum mismatch",
        "Corruption: the log ends before CONTROL says it does, in wal-0000000000000002.log."}) {
    INFO(e);
    CHECK(classify_rot(c.rest, c.flips, RotCase::refused(e)).kind == RotClass::kRefused);
  }
  // With several flips, naming any damaged file will do.
  c.flips.push_back(c.flips[0]);
  c.flips[1].file = "CONTROL";
  CHECK(classify_rot(c.rest, c.flips, RotCase::refused("Corruption: CONTROL: bad checksum")).kind ==
        RotClass::kRefused);
}

TEST_CASE("rot: a refusal that names no damaged file breaks the guarantee", "[rot][classify]") {
  RotCase c;
  for (const char* e : {
           // The reader's position, not the file: an operator cannot tell what to restore.
           "Corruption: log damaged at segment 2 offset 300 (checksum mismatch)",
           // Another file than the damaged one.
           "Corruption: wal-0000000000000003.log: bad header",
           // The damaged name only as part of another name.
           "Corruption: wal-0000000000000002.log.tmp is left over",
           "Corruption: xwal-0000000000000002.log",
       }) {
    INFO(e);
    const auto v = classify_rot(c.rest, c.flips, RotCase::refused(e));
    CHECK(v.kind == RotClass::kBroken);
    CHECK_FALSE(v.wrong_state);  // counted as a recovery failure
    REQUIRE_FALSE(v.problems.empty());
    CHECK(v.problems[0].find("names no damaged file") != std::string::npos);
  }
}

TEST_CASE("rot: an error of another kind, a hang or a crash breaks the guarantee",
          "[rot][classify]") {
  RotCase c;
  for (const char* e : {"IO error: wal-0000000000000002.log: read failed",
                        "Not supported: wal-0000000000000002.log has format version 9",
                        "the recovery process did not finish within 120 s",
                        "the recovery process failed (killed by signal 11 (Segmentation fault)): "
                        "Corruption in wal-0000000000000002.log",
                        "scan after recovery: Corruption: wal-0000000000000002.log"}) {
    INFO(e);
    const auto v = classify_rot(c.rest, c.flips, RotCase::refused(e));
    CHECK(v.kind == RotClass::kBroken);
    CHECK_FALSE(v.wrong_state);
    REQUIRE_FALSE(v.problems.empty());
    CHECK(v.problems[0].find("not a Corruption") != std::string::npos);
  }
}

TEST_CASE("rot: opening with another state is silent loss or garbage", "[rot][classify]") {
  RotCase c;
  auto expect_wrong = [&](const RecoveredState& s, const std::string& detail) {
    const auto v = classify_rot(c.rest, c.flips, s);
    CHECK(v.kind == RotClass::kBroken);
    CHECK(v.wrong_state);  // counted as a prefix violation
    std::string all;
    for (const auto& p : v.problems) all += p + "\n";
    INFO(all);
    CHECK(all.find(detail) != std::string::npos);
  };
  auto changed = c.full();
  changed.kv[1].second = "X";
  expect_wrong(changed, "key b: holds 'X', held '2' at rest");
  auto missing = c.full();
  missing.kv.erase(missing.kv.begin());
  expect_wrong(missing, "key a: missing");
  auto extra = c.full();
  extra.kv.emplace_back("zz", "garbage");
  expect_wrong(extra, "key zz: present");
  // The key set is intact, but a record is gone: the recovery marker's rewrite keeps the
  // key set, so only the last LSN tells.
  auto short_log = c.full();
  short_log.last_lsn = c.rest.last_lsn - 1;
  expect_wrong(short_log, "recovered last LSN 39, 40 at rest");
}

TEST_CASE("rot: the full state that cannot take a write and reopen is broken",
          "[rot][classify]") {
  RotCase c;
  auto s = c.full();
  s.reopen_ok = false;
  s.reopen_error = "reopen after a write failed: Corruption: wal-0000000000000002.log";
  const auto v = classify_rot(c.rest, c.flips, s);
  CHECK(v.kind == RotClass::kBroken);
  CHECK_FALSE(v.wrong_state);
  REQUIRE(v.problems.size() == 1);
  CHECK(v.problems[0].find("reopen after a write failed") != std::string::npos);
}

TEST_CASE("rot: file names match whole", "[rot][classify]") {
  const std::string f = "wal-0000000000000002.log";
  CHECK(names_file(f, f));
  CHECK(names_file("/db/" + f + ": bad", f));
  CHECK(names_file("in " + f + ".", f));
  CHECK(names_file("(" + f + ")", f));
  CHECK_FALSE(names_file(f + ".tmp", f));
  CHECK_FALSE(names_file("a" + f, f));
  CHECK_FALSE(names_file("wal-0000000000000002.lo", f));
  CHECK(names_file("CONTROL: bad", "CONTROL"));
  CHECK_FALSE(names_file("CONTROLS", "CONTROL"));
  CHECK_FALSE(names_file("x", ""));
}

TEST_CASE("rot rows: counts in JSON, CSV, table and chart", "[rot][report]") {
  ModeSpec sync;
  REQUIRE(parse_mode("sync", &sync).empty());
  std::vector<TrialOutcome> trials(4);
  trials[0].rot.classified = true;
  trials[0].rot.kind = RotClass::kFull;
  trials[1].rot.classified = true;
  trials[1].rot.kind = RotClass::kFull;
  trials[2].rot.classified = true;
  trials[2].rot.kind = RotClass::kRefused;
  trials[3].rot.classified = true;
  trials[3].rot.kind = RotClass::kBroken;
  trials[3].check.recovery_failure = true;
  const Row rot = aggregate(sync, CrashKind::kRot, trials, 25);
  CHECK(rot.crash == "rot");
  CHECK(rot.rot_full == 2);
  CHECK(rot.rot_refused == 1);
  CHECK(rot.broken_trials == 1);
  CHECK(rot.recovery_failures == 1);
  const Row kill = aggregate(sync, CrashKind::kKill, std::vector<TrialOutcome>(2), 25);
  CHECK(kill.rot_full == 0);
  CHECK(kill.rot_refused == 0);

  const auto j = to_json({kill, rot});
  CHECK(j[0]["rot_full"] == 0);
  CHECK(j[0]["rot_refused"] == 0);
  CHECK(j[1]["rot_full"] == 2);
  CHECK(j[1]["rot_refused"] == 1);
  const std::string csv = to_csv({kill, rot}, RunMeta{});
  CHECK(csv.find(",rot_full,rot_refused,") != std::string::npos);
  CHECK(csv.find(",2,1,sync,nothing,0.000\n") != std::string::npos);
  const std::string table = format_table({kill, rot});
  CHECK(table.find("rot: 2 full / 1 refused / 1 broken") != std::string::npos);
  CHECK(std::count(table.begin(), table.end(), '\n') == 4);  // two header lines, two rows

  const std::string svg = render_svg({kill, rot}, "rot");
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("sync: 2 full / 1 refused / 1 broken") != std::string::npos);
  CHECK(svg.find("sync / rot") == std::string::npos);  // not a point
  // Rot rows alone still make a chart.
  CHECK(render_svg({rot}, "rot only").find("</svg>") != std::string::npos);
}

TEST_CASE("double rows: a table row, a legend line, not a point", "[report]") {
  ModeSpec sync;
  REQUIRE(parse_mode("sync", &sync).empty());
  std::vector<TrialOutcome> trials(3);
  trials[2].check.recovery_failure = true;  // the power cut took what recovery vouched for
  const Row dbl = aggregate(sync, CrashKind::kDouble, trials, 25);
  CHECK(dbl.crash == "double");
  CHECK(dbl.recovery_failures == 1);
  CHECK(dbl.broken_trials == 1);
  const Row kill = aggregate(sync, CrashKind::kKill, std::vector<TrialOutcome>(2), 25);
  const std::string table = format_table({kill, dbl});
  CHECK(table.find("\nsync         double      3 ") != std::string::npos);
  CHECK(table.find("\nsync         kill        2 ") != std::string::npos);
  CHECK(to_json({dbl})[0]["crash"] == "double");
  const std::string svg = render_svg({kill, dbl}, "double");
  CHECK(svg.find("sync: 3 trials / 1 broken") != std::string::npos);
  CHECK(svg.find("sync / double") == std::string::npos);  // not a point
  CHECK(svg.find("double must have 0 broken") != std::string::npos);
}

// ---- the ladder's promises ------------------------------------------------------------

TEST_CASE("each rung promises what it loses to each crash kind", "[guarantee]") {
  using enum CrashKind;
  ModeSpec sync, os, async;
  REQUIRE(parse_mode("sync", &sync).empty());
  REQUIRE(parse_mode("os:5ms", &os).empty());
  REQUIRE(parse_mode("async:5ms", &async).empty());
  for (const auto k : {kKill, kPower, kRot, kDouble}) {
    CHECK(loss_promise(sync, k) == LossPromise::kNothing);
    CHECK(loss_promise(async, k) == LossPromise::kBounded);
  }
  // os: the kernel keeps what it was handed; only a power cut reaches below it. A double
  // trial's middle recovery makes the killed process's writes durable before the cut.
  CHECK(loss_promise(os, kKill) == LossPromise::kNothing);
  CHECK(loss_promise(os, kRot) == LossPromise::kNothing);
  CHECK(loss_promise(os, kDouble) == LossPromise::kNothing);
  CHECK(loss_promise(os, kPower) == LossPromise::kBounded);
  CHECK(loss_bound_ms(os, kPower, 25) == Approx(35));
  CHECK(loss_bound_ms(os, kKill, 25) == 0);
  // The bound is async's, for os power cuts too.
  CHECK_FALSE(bound_violation(os, kPower, 10, 34.9, 25));
  CHECK(bound_violation(os, kPower, 10, 35.0, 25));
  CHECK(bound_violation(async, kKill, 10, 35.0, 25));
  CHECK_FALSE(bound_violation(async, kKill, 0, 99, 25));  // nothing lost, nothing to bound
  // kNothing losses are the checker's to judge (below), not the bound's.
  CHECK_FALSE(bound_violation(os, kKill, 10, 99, 25));
}

TEST_CASE("os mode may lose nothing acknowledged to a kill, but may to a power cut",
          "[checker][guarantee]") {
  ModeSpec os;
  REQUIRE(parse_mode("os:5ms", &os).empty());
  Sim sim;
  for (const auto crash : {CrashKind::kKill, CrashKind::kDouble, CrashKind::kPower}) {
    INFO(crash_name(crash));
    auto in = sim.input(50, false);
    in.lose_nothing = loss_promise(os, crash) == LossPromise::kNothing;
    in.mode_name = os.name;
    in.crash_name = crash_name(crash);
    const auto res = check_recovery(in, sim.state(45));
    CHECK(res.lost_acked == 5);
    CHECK(res.broken() == (crash != CrashKind::kPower));
    if (crash != CrashKind::kPower) {
      REQUIRE_FALSE(res.problems.empty());
      CHECK(res.problems[0].rfind("os:5ms mode lost 5 acknowledged writes", 0) == 0);
    }
    CHECK_FALSE(check_recovery(in, sim.state(50)).broken());
  }
}

// ---- progress -------------------------------------------------------------------------

TEST_CASE("progress says how far, how long, and how long still", "[progress]") {
  CHECK(format_clock(0) == "0:00");
  CHECK(format_clock(59.6) == "1:00");
  CHECK(format_clock(754) == "12:34");
  CHECK(format_clock(3723) == "1:02:03");
  CHECK(progress_text(0, 120, 1, 3) == "[0/120, 0%] elapsed 0:03, ETA ?");
  // 30 done in 60 s: 90 to go at 2 s each.
  CHECK(progress_text(30, 120, 1, 60) == "[30/120, 25%] elapsed 1:00, ETA 3:00");
  CHECK(progress_text(30, 120, 3, 60) == "[30/120, 25%] elapsed 1:00, ETA 3:00, 3 running");
  CHECK(progress_text(120, 120, 0, 61) == "[120/120, 100%] elapsed 1:01, ETA 0:00");
}

TEST_CASE("the ticker ticks until destroyed", "[progress]") {
  std::atomic<int> n{0};
  {
    Ticker t(std::chrono::milliseconds(10), [&] { ++n; });
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
  }
  const int after = n;
  CHECK(after >= 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  CHECK(n == after);
}

// ---- the command line -----------------------------------------------------------------

TEST_CASE("sizes take units, durations fractions; the default is the ladder", "[args]") {
  auto c = parse({"--segment-bytes", "2M", "--log-buffer-bytes", "512KiB", "--checkpoint-bytes",
                  "0", "--modes", "async:1.5ms"});
  REQUIRE(c);
  CHECK(c->segment_bytes == 2u << 20);
  CHECK(c->log_buffer_bytes == 512u << 10);
  CHECK(c->checkpoint_bytes == 0);
  REQUIRE(c->modes.size() == 1);
  CHECK(c->modes[0].flush_interval.count() == 1500);
  CHECK(parse({"--segment-bytes", "4096"})->segment_bytes == 4096);
  CHECK_FALSE(parse({"--segment-bytes", "2X"}));
  CHECK_FALSE(parse({"--segment-bytes", "0"}));
  auto d = parse({});
  REQUIRE(d);
  std::vector<std::string> names;
  for (const auto& m : d->modes) names.push_back(m.name);
  CHECK(names == std::vector<std::string>{"sync", "os:5ms", "async:5ms"});
}

TEST_CASE("bad usage exits 2, --version and --help exit 0", "[args]") {
  auto exit_code = [](std::vector<std::string> args) {
    args.insert(args.begin(), "walkv-crash");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    int rc = -1;
    const auto c = parse_args(static_cast<int>(argv.size()), argv.data(), false, &rc);
    return c ? -1 : rc;
  };
  CHECK(exit_code({"--version"}) == 0);
  CHECK(exit_code({"--help"}) == 0);
  CHECK(exit_code({"--segment-bytes", "2X"}) == kUsageExit);
  CHECK(exit_code({"--trials", "0"}) == kUsageExit);
  CHECK(exit_code({"--no-such-option"}) == kUsageExit);
  CHECK(exit_code({"--modes", "async:fast"}) == kUsageExit);
  CHECK(kUsageExit == 2);
}
