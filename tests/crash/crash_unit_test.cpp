// The crash simulator's parts, in-process.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "args.h"
#include "checker.h"
#include "crash_test_dir.h"
#include "ledger.h"
#include "power_cut.h"
#include "recovery_dump.h"
#include "report.h"
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

// Performs real file operations around LedgerHooks, the way the engine's FileSystem does.
class Recorder {
 public:
  Recorder(const CrashTestDir& dir, bool undo_data = true, std::size_t bytes = 16 << 20)
      : db(dir.sub("db")), shadow(dir.sub("shadow")) {
    std::filesystem::create_directories(db);
    std::filesystem::create_directories(shadow);
    REQUIRE(region.create(bytes).empty());
    hooks = std::make_unique<LedgerHooks>(region.data(), region.size(), shadow, undo_data,
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
  std::unique_ptr<LedgerHooks> hooks;
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
  CHECK_FALSE(m.async);
  CHECK(parse_mode("async:1ms", &m).empty());
  CHECK(m.async);
  CHECK(m.flush_interval.count() == 1000);
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
  CHECK(res.lost_sync);
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

TEST_CASE("JSON rows carry exactly the SPEC fields", "[report]") {
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
                                      "recovery_ms"});
  CHECK(j[0]["latency_us"].contains("p999"));
  CHECK(j[0]["lost_acked"].contains("total"));
  CHECK(j[0]["recovery_ms"].contains("p50"));
  const std::string csv = to_csv({r});
  CHECK(csv.rfind("mode,flush_interval_us,crash,trials,commits_per_sec", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 2);
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
    CHECK(res.lost_sync);
    in.writers[0].max_seen_seq = acked - 1;  // only acknowledged writes were seen
    CHECK_FALSE(check_recovery(in, sim.state(acked)).broken());
    return;
  }
  FAIL("no visible op found");
}
