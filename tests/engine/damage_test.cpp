// Damage, exhaustively, to one small database: a snapshot that covers part of the log, two
// 64 KiB segments, a clean close. Every byte of every segment header, of CONTROL and of the
// snapshot is flipped in turn, and every record header byte; payloads of large values and
// the zero areas are sampled; each segment is cut at every record boundary and inside every
// record; each file is deleted, segments swap names or are duplicated; forged records inside
// values sit behind a torn tail. Each case runs on a fresh copy, and for each:
//  - open succeeds with exactly the written keys and values (nothing missing, changed or
//    extra), or fails with Corruption naming the damaged or missing file; nothing else, and
//    no hang;
//  - verify_dir agrees (corrupt exactly when open fails, with open's message; the same torn
//    tail) and writes nothing;
//  - a failed open changes nothing; a successful one changes the WAL only by zeroing bytes it
//    first preserved in a dropped-*.bin file.
// Where the rules (docs/design.md, "Recovery") fix the outcome, the case checks that outcome
// too. WALKV_TEST_SEED picks the sampled bytes and the flip masks; failures print it.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"
#include "walkv/inspect.h"

namespace walkv::test {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSegmentBytes = 64 * 1024;
constexpr std::size_t kZeroTail = 120;  // zeros left after the last record of segment 1
constexpr auto kHang = std::chrono::seconds(10);

Options damage_options() {
  Options o = small_options();
  o.segment_bytes = kSegmentBytes;
  o.log_buffer_bytes = 32 * 1024;
  o.flush_bytes = 8 * 1024;
  return o;
}

// Aborts the test, naming the case, when one step of a case takes longer than kHang: a hang
// must fail, not stall the suite.
class Watchdog {
 public:
  explicit Watchdog(std::uint64_t seed) : seed_(seed), thread_([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void arm(std::string what) {
    std::lock_guard lk(mu_);
    what_ = std::move(what);
    deadline_ = std::chrono::steady_clock::now() + kHang;
    cv_.notify_all();
  }
  void disarm() {
    std::lock_guard lk(mu_);
    deadline_.reset();
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    while (!stop_) {
      if (!deadline_) {
        cv_.wait(lk);
        continue;
      }
      const auto deadline = *deadline_;
      cv_.wait_until(lk, deadline);
      if (deadline_ && *deadline_ == deadline && std::chrono::steady_clock::now() >= deadline) {
        std::fprintf(stderr, "damage_test: HANG: %s took over %lld s (WALKV_TEST_SEED=%llu)\n",
                     what_.c_str(), static_cast<long long>(kHang.count()),
                     static_cast<unsigned long long>(seed_));
        std::abort();
      }
    }
  }

  const std::uint64_t seed_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string what_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool stop_ = false;
  std::thread thread_;
};

std::size_t varint_size(std::size_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Offset of a put's value from the start of its record.
std::size_t value_start(std::size_t key_size, std::size_t value_size) {
  return kRecordHeaderSize + 1 + varint_size(key_size) + key_size + varint_size(value_size);
}

// The largest value whose put record for `key` takes at most `bytes`.
std::size_t value_size_for_record(const std::string& key, std::size_t bytes) {
  std::size_t v = bytes - value_start(key.size(), bytes);
  while (record_size(value_start(key.size(), v) - kRecordHeaderSize + v) > bytes) --v;
  return v;
}

// A record forged to look like the next one, inside a value: only its salt (or layout)
// gives it away.
struct Carrier {
  std::string kind;
  std::string key;
  std::size_t forged_at = 0;  // offset of the forged record from the carrier record's start
  std::size_t forged_size = 0;
};

struct Base {
  // Copies live on tmpfs when there is one: the cases make thousands of opens, and the
  // judgement under test does not depend on what fsync costs.
  TempDir dir{TempDir::tmpfs_parent()};
  std::map<std::string, std::string> kv;
  std::map<std::string, Lsn> lsn_of;
  std::vector<RecordLoc> records;
  std::vector<SegmentFile> segments;
  std::string snapshot;  // file name
  Lsn snapshot_lsn = 0;
  ControlInfo control;
  std::vector<Carrier> carriers;
};

// Writes the database every case starts from (see the file comment) and checks its layout.
void build_base(Base* b) {
  const std::string& dir = b->dir.path();
  auto db = open_ok(dir, damage_options());
  auto put = [&](const std::string& key, const std::string& value) {
    auto r = db->put(key, value);
    REQUIRE(r.ok());
    b->kv[key] = value;
    b->lsn_of[key] = r.value();
    return r.value();
  };
  // Values of 4..37 bytes: payload lengths of every remainder mod 8, so records with every
  // amount of padding.
  for (int i = 0; i < 12; ++i) put(fmt::format("a{:02}", i), make_value(i, 1, 4 + 3 * i));
  auto ck = db->checkpoint();
  REQUIRE(ck.ok());
  b->snapshot_lsn = ck.value();
  REQUIRE(b->snapshot_lsn == 12);
  for (int i = 0; i < 6; ++i) put(fmt::format("b{:02}", i), make_value(i, 2, 60 + 13 * i));
  // Large values fill segment 1 up to kZeroTail bytes of zeros (each record within the
  // 32 KiB log buffer).
  put("big-0", make_value(100, 3, 20000));
  put("big-1", make_value(101, 3, 20000));
  auto recs = log_records(dir);
  const std::uint64_t used = recs.back().offset + recs.back().size;
  REQUIRE(recs.back().segment == 1);
  put("big-2",
      make_value(102, 3, value_size_for_record("big-2", kSegmentBytes - used - kZeroTail)));
  // Small records from here on do not fit in what is left: they start segment 2.
  for (int i = 0; i < 10; ++i) put(fmt::format("c{:02}", i), make_value(i, 4, 100 + 19 * i));
  recs = log_records(dir);
  REQUIRE(recs.back().segment == 2);
  const std::uint64_t salt1 = segment_salt(wal_segments(dir).front().path);
  // The carriers: a forged record claiming the carrier's own LSN (the next one, should the
  // carrier be torn), at an 8-byte-aligned file offset, sealed with segment 1's salt, with
  // no salt, with a guessed salt, or in the version-1 layout.
  for (const std::string kind : {"other-salt", "salt-0", "guessed-salt", "v1"}) {
    const std::string key = "f-" + kind;
    const Lsn lsn = recs.back().lsn + 1;
    const std::string payload = put_payload("forged-" + kind, "evil");
    const std::string forged = kind == "other-salt" ? encode_record(lsn, lsn - 1, payload, salt1)
                               : kind == "salt-0"   ? encode_record(lsn, lsn - 1, payload, 0)
                               : kind == "guessed-salt"
                                   ? encode_record(lsn, lsn - 1, payload, 0x5a17c0ffee15600dULL)
                                   : encode_record_v1(lsn, 2, lsn - 1, payload);
    const std::size_t value_size = 8 + forged.size() + 200;
    const std::size_t start = value_start(key.size(), value_size);
    const std::size_t pad = (kRecordAlign - start % kRecordAlign) % kRecordAlign;
    std::string value = std::string(pad, 'p') + forged;
    value.resize(value_size, 'f');
    REQUIRE(put(key, value) == lsn);
    recs = log_records(dir);
    REQUIRE((recs.back().offset + start + pad) % kRecordAlign == 0);
    b->carriers.push_back({kind, key, start + pad, forged.size()});
  }
  db.reset();

  b->records = log_records(dir);
  REQUIRE(b->records.size() == b->kv.size());
  REQUIRE(b->records.back().lsn == b->kv.size());
  b->segments = wal_segments(dir);
  REQUIRE(b->segments.size() >= 2);
  REQUIRE(b->segments[0].number == 1);
  REQUIRE(b->segments[1].number == 2);
  const auto& r1 = *std::find_if(b->records.rbegin(), b->records.rend(),
                                 [](const RecordLoc& r) { return r.segment == 1; });
  REQUIRE(r1.lsn == b->lsn_of["big-2"]);
  REQUIRE(kSegmentBytes - (r1.offset + r1.size) <= kZeroTail);
  auto snaps = snapshot_files(dir);
  REQUIRE(snaps.size() == 1);
  b->snapshot = fs::path(snaps.front()).filename();
  REQUIRE(read_control(dir, &b->control));
  REQUIRE(b->control.durable_lsn == b->records.back().lsn);  // a clean close
}

enum class Expect {
  kEither,      // intact or Corruption: the rules leave it open
  kIntact,      // open succeeds with every key and value
  kCorruption,  // open fails with Corruption
  kTorn,        // open succeeds without the records from torn_lsn on, dropping them
};

struct Case {
  std::string name;
  std::function<void(const std::string& dir)> damage;
  Expect expect = Expect::kEither;
  std::vector<std::string> names;  // files a Corruption message may name (one suffices)
  Lsn torn_lsn = 0;                // kTorn
  std::uint64_t torn_segment = 0, torn_offset = 0;
};

void flip_byte(const std::string& path, std::uint64_t offset, std::uint8_t mask) {
  std::string b = read_file(path);
  REQUIRE(offset < b.size());
  char c = static_cast<char>(b[offset] ^ static_cast<char>(mask));
  write_at(path, offset, std::string_view(&c, 1));
}

std::string expect_name(Expect e) {
  switch (e) {
    case Expect::kEither:
      return "intact or Corruption";
    case Expect::kIntact:
      return "intact";
    case Expect::kCorruption:
      return "Corruption";
    case Expect::kTorn:
      return "a torn tail";
  }
  return "?";
}

class Cases {
 public:
  Cases(const Base& base, std::uint64_t seed) : base_(base), rng_(seed) {}

  std::vector<Case> all() {
    segment_headers();
    control();
    snapshot();
    records();
    zero_areas();
    truncations();
    deletions();
    renames();
    stray_dropped_files();
    torn_carriers();
    return std::move(cases_);
  }

 private:
  std::string seg_name(std::uint64_t n) const { return segment_file_name(n); }
  static std::string file_of(const std::string& dir, const std::string& name) {
    return dir + "/" + name;
  }
  std::uint8_t mask() { return static_cast<std::uint8_t>(1 + rng_() % 255); }

  void flip(std::string what, const std::string& file, std::uint64_t offset, Expect e,
            std::vector<std::string> names = {}) {
    const std::uint8_t m = mask();
    if (names.empty()) names.push_back(file);
    cases_.push_back({fmt::format("{}: flip {} byte {} with mask {:#04x}", what, file, offset, m),
                      [=](const std::string& dir) { flip_byte(file_of(dir, file), offset, m); }, e,
                      std::move(names)});
  }

  void segment_headers() {
    // Every byte is under the header checksum, and a header is durable before the file is
    // named: a bad one is never a crash's doing.
    for (const auto& seg : base_.segments)
      for (std::uint64_t i = 0; i < kSegmentHeaderSize; ++i)
        flip("segment header", seg_name(seg.number), i, Expect::kCorruption);
  }

  void control() {
    for (std::uint64_t i = 0; i < 64; ++i)
      flip("CONTROL", kControlFileName, i, Expect::kCorruption);
  }

  void snapshot() {
    // The log still reaches back to LSN 1: a damaged snapshot costs nothing.
    const std::uint64_t size = file_size(base_.dir.sub(base_.snapshot));
    for (std::uint64_t i = 0; i < size; ++i) flip("snapshot", base_.snapshot, i, Expect::kIntact);
  }

  // Damage inside a record: free when the snapshot covers it, else it lost durable data.
  Expect record_expect(const RecordLoc& r) const {
    return r.lsn <= base_.snapshot_lsn ? Expect::kIntact : Expect::kCorruption;
  }

  void records() {
    for (const auto& r : base_.records) {
      const std::string file = seg_name(r.segment);
      const std::string what = fmt::format("record LSN {}", r.lsn);
      for (std::uint64_t i = 0; i < kRecordHeaderSize; ++i)
        flip(what + " header", file, r.offset + i, record_expect(r));
      std::vector<std::uint64_t> at = {0, r.payload_size / 2, r.payload_size - 1u};
      if (r.payload_size > 1000)
        for (int k = 0; k < 24; ++k) at.push_back(rng_() % r.payload_size);
      for (std::uint64_t p : at)
        flip(what + " payload", file, r.offset + kRecordHeaderSize + p, record_expect(r));
      // Padding is under no checksum: either judgement is within the rules.
      for (std::uint64_t p = kRecordHeaderSize + r.payload_size; p < r.size; ++p)
        flip(what + " padding", file, r.offset + p, Expect::kEither);
    }
  }

  void zero_areas() {
    for (const auto& seg : base_.segments) {
      std::uint64_t end = kSegmentHeaderSize;
      for (const auto& r : base_.records)
        if (r.segment == seg.number) end = r.offset + r.size;
      // Garbage after a segment's last record costs nothing: after a non-tail segment the
      // next segment continues the log; after the tail it is a torn tail of no record.
      std::vector<std::uint64_t> at;
      if (kSegmentBytes - end <= 256) {
        for (std::uint64_t o = end; o < kSegmentBytes; ++o) at.push_back(o);
      } else {
        for (std::uint64_t o = end; o < end + 16; ++o) at.push_back(o);
        at.push_back(kSegmentBytes - 1);
        for (int k = 0; k < 32; ++k) at.push_back(end + rng_() % (kSegmentBytes - end));
      }
      for (std::uint64_t o : at) flip("zero area", seg_name(seg.number), o, Expect::kIntact);
    }
  }

  void truncate_case(const std::string& file, std::uint64_t size, const std::string& why) {
    // A segment is created full size before it is named: a short one lost bytes.
    cases_.push_back({fmt::format("truncate {} to {} bytes ({})", file, size, why),
                      [=](const std::string& dir) { truncate_file(file_of(dir, file), size); },
                      Expect::kCorruption,
                      {file}});
  }

  void truncations() {
    for (const auto& seg : base_.segments) {
      const std::string file = seg_name(seg.number);
      for (std::uint64_t size : {0ul, 1ul, 32ul, 63ul, 64ul, kSegmentBytes - 1})
        truncate_case(file, size, "fixed");
      // Every record boundary (the first is the header's end, above) and inside every record.
      for (const auto& r : base_.records) {
        if (r.segment != seg.number) continue;
        truncate_case(file, r.offset + r.size / 2, fmt::format("inside LSN {}", r.lsn));
        truncate_case(file, r.offset + r.size, fmt::format("end of LSN {}", r.lsn));
      }
    }
  }

  void remove_case(const std::string& file, Expect e, std::vector<std::string> names) {
    cases_.push_back({"delete " + file,
                      [=](const std::string& dir) { fs::remove(file_of(dir, file)); }, e,
                      std::move(names)});
  }

  void deletions() {
    const ControlInfo& c = base_.control;
    for (const auto& seg : base_.segments) {
      const std::string file = seg_name(seg.number);
      const bool spanned = seg.number >= c.first_segment && seg.number <= c.last_segment;
      remove_case(file, spanned ? Expect::kCorruption : Expect::kEither, {file});
    }
    remove_case(kControlFileName, Expect::kCorruption, {kControlFileName});
    remove_case(base_.snapshot, Expect::kIntact, {});
    remove_case("LOCK", Expect::kIntact, {});
  }

  void renames() {
    const auto& segs = base_.segments;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      for (std::size_t j = i + 1; j < segs.size(); ++j) {
        const std::string a = seg_name(segs[i].number), b = seg_name(segs[j].number);
        cases_.push_back({"swap " + a + " and " + b,
                          [=](const std::string& dir) {
                            fs::rename(file_of(dir, a), file_of(dir, "swap.tmp"));
                            fs::rename(file_of(dir, b), file_of(dir, a));
                            fs::rename(file_of(dir, "swap.tmp"), file_of(dir, b));
                          },
                          Expect::kCorruption,
                          {a, b}});
      }
    }
    // A copy under the next number: a segment whose header names another.
    const std::string next = seg_name(segs.back().number + 1);
    for (const auto& seg : segs) {
      const std::string from = seg_name(seg.number);
      cases_.push_back(
          {"duplicate " + from + " as " + next,
           [=](const std::string& dir) { fs::copy_file(file_of(dir, from), file_of(dir, next)); },
           Expect::kCorruption,
           {next}});
    }
  }

  void stray_dropped_files() {
    // Open never reads dropped-*.bin files, however record-like their bytes.
    const std::string copy = "dropped-0000000000000002-0000000000000000-1.bin";
    cases_.push_back({"a whole copy of segment 2 as " + copy,
                      [copy, seg2 = seg_name(2)](const std::string& dir) {
                        fs::copy_file(file_of(dir, seg2), file_of(dir, copy));
                      },
                      Expect::kIntact,
                      {}});
    const std::string junk = "dropped-0000000000000001-0000000000000040-1.bin";
    cases_.push_back(
        {"garbage in " + junk,
         [=](const std::string& dir) { write_file(file_of(dir, junk), std::string(4096, 'G')); },
         Expect::kIntact,
         {}});
  }

  // The carrier and everything after it as a crash could leave them: `tear` damages the
  // carrier, later records never reached the disk, and CONTROL had not yet been told the
  // carrier was durable. Only the forged record inside the carrier's value is left for the
  // reader's resynchronisation to find, and it must not pass.
  void torn_carriers() {
    for (const auto& c : base_.carriers) {
      const RecordLoc& r =
          *std::find_if(base_.records.begin(), base_.records.end(),
                        [&](const RecordLoc& x) { return x.lsn == base_.lsn_of.at(c.key); });
      const std::string file = seg_name(r.segment);
      const std::uint64_t log_end = base_.records.back().offset + base_.records.back().size;
      REQUIRE(base_.records.back().segment == r.segment);
      auto add = [&](const std::string& how, std::function<void(const std::string&)> tear) {
        Case k{fmt::format("carrier {} (LSN {}) torn: {}", c.kind, r.lsn, how),
               [=](const std::string& dir) {
                 zero_range(file_of(dir, file), r.offset + r.size, log_end - r.offset - r.size);
                 tear(file_of(dir, file));
                 lower_control_durable_lsn(dir, r.lsn - 1);
               },
               Expect::kTorn,
               {}};
        k.torn_lsn = r.lsn;
        k.torn_segment = r.segment;
        k.torn_offset = r.offset;
        cases_.push_back(std::move(k));
      };
      add("header zeroed",
          [=](const std::string& p) { zero_range(p, r.offset, kRecordHeaderSize); });
      add("value byte before the forged record flipped",
          [=](const std::string& p) { flip_byte(p, r.offset + c.forged_at - 1, 0x20); });
      add("cut just after the forged record", [=](const std::string& p) {
        const std::uint64_t cut = c.forged_at + c.forged_size;
        zero_range(p, r.offset + cut, r.size - cut);
      });
      add("last 8 bytes lost",
          [=](const std::string& p) { zero_range(p, r.offset + r.size - 8, 8); });
    }
  }

  const Base& base_;
  std::mt19937_64 rng_;
  std::vector<Case> cases_;
};

// Collects what went wrong, so that one summary lists the failing cases.
struct Failures {
  std::vector<std::string> lines;
  std::size_t cases = 0;
  std::string current;
  bool current_failed = false;
  void start(const std::string& name) {
    current = name;
    current_failed = false;
  }
  void add(const std::string& what) {
    if (!current_failed) ++cases;
    current_failed = true;
    lines.push_back(current + ": " + what);
  }
};

std::string names_list(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : " or ") + n;
  return s;
}

void run_case(const Base& base, const Case& c, Watchdog& dog, Failures& f) {
  f.start(c.name);
  TempDir work(TempDir::tmpfs_parent());
  copy_dir_files(base.dir.path(), work.path());
  c.damage(work.path());
  const auto before = dir_bytes(work.path());
  const auto listing = list_dir(work.path());

  dog.arm(c.name + ": verify_dir");
  VerifyReport rep;
  Status vs = verify_dir(work.path(), &rep);
  dog.disarm();
  if (!vs.ok()) f.add("verify_dir failed: " + vs.ToString());
  if (list_dir(work.path()) != listing || dir_bytes(work.path()) != before)
    f.add("verify_dir changed the directory");

  Options opts = damage_options();
  dog.arm(c.name + ": open");
  auto opened = DB::open(work.path(), opts);
  dog.disarm();

  if (!opened.ok()) {
    const Status& s = opened.status();
    if (!s.IsCorruption()) {
      f.add("open failed with other than Corruption: " + s.ToString());
      return;
    }
    if (c.expect == Expect::kIntact || c.expect == Expect::kTorn)
      f.add("expected " + expect_name(c.expect) + ", open failed: " + s.message());
    bool named = false;
    for (const auto& n : c.names) named |= s.message().find(n) != std::string::npos;
    if (!named)
      f.add("Corruption message names none of " + names_list(c.names) + ": " + s.message());
    if (!rep.corrupt)
      f.add("verify says not corrupt, open says: " + s.message());
    else if (rep.corruption != s.message())
      f.add("verify's message differs: '" + rep.corruption + "' vs open's '" + s.message() + "'");
    if (dir_bytes(work.path()) != before) f.add("the failed open changed the directory");
    return;
  }

  auto db = std::move(opened).value();
  const RecoveryReport r = db->stats().recovery;
  if (c.expect == Expect::kCorruption) f.add("expected Corruption, open succeeded");
  if (rep.corrupt) f.add("verify says corrupt (" + rep.corruption + "), open succeeded");
  if (rep.tail_bytes != r.dropped_bytes || rep.tail_segment != r.dropped_segment ||
      rep.tail_offset != r.dropped_offset)
    f.add(fmt::format("verify's tail {} bytes at {}:{} differs from open's drop {} at {}:{}",
                      rep.tail_bytes, rep.tail_segment, rep.tail_offset, r.dropped_bytes,
                      r.dropped_segment, r.dropped_offset));

  std::map<std::string, std::string> want;
  for (const auto& [k, v] : base.kv)
    if (c.expect != Expect::kTorn || base.lsn_of.at(k) < c.torn_lsn) want[k] = v;
  auto got = db->scan(ScanOptions{});
  if (!got.ok()) {
    f.add("scan failed: " + got.status().ToString());
  } else {
    std::map<std::string, std::string> have(got.value().begin(), got.value().end());
    if (have != want) {
      std::string diff;
      for (const auto& [k, v] : want) {
        auto it = have.find(k);
        if (it == have.end())
          diff += " missing " + k + ";";
        else if (it->second != v)
          diff += " changed " + k + ";";
      }
      for (const auto& [k, v] : have)
        if (want.count(k) == 0) diff += " extra " + k + ";";
      f.add("contents differ:" + diff);
    }
  }
  if (c.expect == Expect::kTorn) {
    if (r.last_lsn != c.torn_lsn - 1) f.add(fmt::format("recovered through LSN {}", r.last_lsn));
    if (r.dropped_bytes > 0 &&
        (r.dropped_segment != c.torn_segment || r.dropped_offset != c.torn_offset))
      f.add(fmt::format("dropped at {}:{}, the torn record is at {}:{}", r.dropped_segment,
                        r.dropped_offset, c.torn_segment, c.torn_offset));
  }
  if (r.dropped_bytes > 0 && r.dropped_files.empty()) f.add("a drop without preserved files");
  dog.arm(c.name + ": close");
  db.reset();
  dog.disarm();
  for (const auto& p : unpreserved_changes(work.path(), before)) f.add(p);
}

TEST_CASE("every single damage to a small database is recovered exactly or refused by name") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  Base base;
  build_base(&base);
  const auto cases = Cases(base, seed).all();
  Watchdog dog(seed);
  Failures failures;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& c : cases) run_case(base, c, dog, failures);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string summary = fmt::format("{} of {} cases failed ({:.1f} s, WALKV_TEST_SEED={}):\n",
                                    failures.cases, cases.size(), seconds, seed);
  for (std::size_t i = 0; i < failures.lines.size() && i < 60; ++i)
    summary += "  " + failures.lines[i] + "\n";
  if (failures.lines.size() > 60)
    summary += fmt::format("  ... and {} more\n", failures.lines.size() - 60);
  INFO(summary);
  CHECK(failures.cases == 0);
}

}  // namespace
}  // namespace walkv::test
