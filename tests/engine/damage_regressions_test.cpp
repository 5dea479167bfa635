// Regression tests for recovery's judgement (docs/design.md, "Recovery"), each a damage the
// format-1 engine judged wrong: damage inside records a snapshot covers lost later writes;
// a segment cut at a record boundary or a deleted last segment looked like a clean end; a
// dropped tail was zeroed without a copy; verify and open disagreed. Also: a damaged log of
// crafted values opens in about the time a clean one does, and version-1 directories open.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "test_util.h"
#include "walkv/inspect.h"

namespace walkv::test {
namespace {

namespace fs = std::filesystem;

std::string name_of(const std::string& path) { return fs::path(path).filename(); }

// One step in its own open and clean close, as the walkv CLI runs each command.
void in_own_open(const std::string& dir, const std::function<void(DB&)>& step,
                 const Options& options = small_options()) {
  auto db = open_ok(dir, options);
  step(*db);
}

void put_ok(DB& db, const std::string& key, const std::string& value) {
  REQUIRE(db.put(key, value).ok());
}

// verify_dir's verdict, which must be open's.
VerifyReport verify(const std::string& dir) {
  VerifyReport rep;
  REQUIRE(verify_dir(dir, &rep).ok());
  return rep;
}

// Opens dir expecting Corruption: returns the message after checking that verify_dir said
// the same and that the failed open left every file as it was.
std::string open_corrupt(const std::string& dir, const Options& options = small_options()) {
  const VerifyReport rep = verify(dir);
  const auto before = dir_bytes(dir);
  auto db = DB::open(dir, options);
  REQUIRE_FALSE(db.ok());
  INFO(db.status().ToString());
  CHECK(db.status().IsCorruption());
  CHECK(rep.corrupt);
  CHECK(rep.corruption == db.status().message());
  CHECK(dir_bytes(dir) == before);
  return db.status().message();
}

// The words of a message once every path into dir is taken out: what it says is wrong.
std::vector<std::string> reason_words(std::string message, const std::string& dir) {
  for (auto at = message.find(dir); at != std::string::npos; at = message.find(dir, at)) {
    const auto end = message.find_first_of(" :,;()", at);
    message.replace(at, (end == std::string::npos ? message.size() : end) - at, " ");
  }
  std::vector<std::string> words;
  const std::regex word("[A-Za-z]{3,}");
  for (auto it = std::sregex_iterator(message.begin(), message.end(), word);
       it != std::sregex_iterator(); ++it)
    words.push_back(it->str());
  return words;
}

// ---------------------------------------------------------------------------------------
// (a) Damage among records the snapshot covers

TEST_CASE("damage inside a record the snapshot covers costs nothing and stays on disk") {
  for (const std::string where : {"header", "payload"}) {
    INFO("damage in record 1's " << where);
    TempDir dir;
    in_own_open(dir.path(), [](DB& db) { put_ok(db, "a", "1"); });
    in_own_open(dir.path(), [](DB& db) { put_ok(db, "b", "2"); });
    in_own_open(dir.path(), [](DB& db) { REQUIRE(db.checkpoint().ok()); });
    in_own_open(dir.path(), [](DB& db) { put_ok(db, "c", "3"); });
    const auto recs = read_records(dir.path());
    REQUIRE(recs.size() == 3);
    REQUIRE(recs.front().lsn == 1);
    const RecordLoc& first = recs.front();
    flip_bit(first.path, first.offset + (where == "header" ? 16 : kRecordHeaderSize + 2), 1);
    const auto before = dir_bytes(dir.path());

    const VerifyReport rep = verify(dir.path());
    INFO("verify: " << rep.corruption);
    CHECK_FALSE(rep.corrupt);
    CHECK(rep.tail_bytes == 0);
    CHECK_FALSE(rep.notes.empty());  // reported, though it costs nothing
    {
      auto db = open_ok(dir.path(), small_options());
      CHECK(get_or_marker(*db, "a") == "1");
      CHECK(get_or_marker(*db, "b") == "2");
      CHECK(get_or_marker(*db, "c") == "3");
      CHECK(db->stats().recovery.dropped_bytes == 0);
      CHECK_FALSE(db->stats().recovery.notes.empty());
    }
    // Nothing before the end of the last record changed: the damaged bytes are still there
    // for whoever investigates (the open only wrote past the tail, if anything).
    const auto after = dir_bytes(dir.path());
    for (const auto& r : recs) {
      const std::string name = name_of(r.path);
      INFO(name << " record LSN " << r.lsn);
      REQUIRE(after.count(name) == 1);
      CHECK(after.at(name).substr(0, r.offset + r.size) ==
            before.at(name).substr(0, r.offset + r.size));
    }
  }
}

// ---------------------------------------------------------------------------------------
// (b) A short or missing segment is never a clean end

TEST_CASE("a segment cut at a record boundary is Corruption naming it") {
  TempDir dir;
  in_own_open(dir.path(), [](DB& db) {
    for (int i = 0; i < 3; ++i) put_ok(db, make_key(i), make_value(i, 0));
  });
  const auto recs = log_records(dir.path());
  REQUIRE(recs.size() == 3);
  REQUIRE(recs[2].segment == 1);
  truncate_file(recs[1].path, recs[1].offset + recs[1].size);
  const std::string msg = open_corrupt(dir.path());
  CHECK_THAT(msg, Catch::Contains("wal-0000000000000001.log"));
}

TEST_CASE("the deleted segment CONTROL names as the last is Corruption naming it") {
  // Three small records in segment 1, then the same with the third in segment 2: deleting
  // the last segment of the second leaves a log that reads cleanly to its end.
  for (const std::size_t value_size : {std::size_t{24}, std::size_t{25000}}) {
    INFO("values of " << value_size << " bytes");
    TempDir dir;
    Options o = small_options();
    o.segment_bytes = 64 * 1024;
    in_own_open(
        dir.path(),
        [&](DB& db) {
          for (int i = 0; i < 3; ++i) put_ok(db, make_key(i), make_value(i, 0, value_size));
        },
        o);
    const auto recs = log_records(dir.path());
    REQUIRE(recs.size() == 3);
    CHECK(recs[2].segment == (value_size > 1000 ? 2u : 1u));
    ControlInfo control;
    REQUIRE(read_control(dir.path(), &control));
    const std::string last = segment_file_name(control.last_segment);
    REQUIRE(file_exists(dir.sub(last)));
    fs::remove(dir.sub(last));
    CHECK_THAT(open_corrupt(dir.path(), o), Catch::Contains(last));
  }
}

// ---------------------------------------------------------------------------------------
// (c) Records forged inside values

// A value whose bytes from `aligned_at` (a multiple of 8 from the record's start) hold
// `forged`, padded to value_size.
std::string value_holding(const std::string& key, const std::string& forged,
                          std::size_t value_size) {
  auto varint_size = [](std::size_t v) {
    std::size_t n = 1;
    for (; v >= 0x80; v >>= 7) ++n;
    return n;
  };
  REQUIRE(key.size() < 0x80);
  const std::size_t start = kRecordHeaderSize + 1 + 1 + key.size() + varint_size(value_size);
  std::string v((kRecordAlign - start % kRecordAlign) % kRecordAlign, 'p');
  v += forged;
  v.resize(value_size, 'v');
  return v;
}

TEST_CASE("a value holding well-formed records survives a torn tail, which is preserved") {
  TempDir dir;
  // The forged records claim the next LSN (3), as the torn record does: a reader that takes
  // one for genuine replays "forged"; one claiming LSN 3 durable would turn the torn tail
  // into Corruption.
  const std::string payload = put_payload("forged", "evil");
  const std::string unseeded = encode_record(3, 2, payload, 0);  // valid unseeded checksums
  const std::string guessed = encode_record(3, 3, payload, 0x0123456789abcdefULL);
  const std::string carrier = value_holding("carrier", unseeded + guessed, 600);
  const std::string torn = value_holding("torn", guessed + unseeded, 600);
  // A crash right after the third write: no clean close vouches for it.
  REQUIRE(run_and_crash(dir.path(), small_options(), [&](DB& db) {
    return db.put("first", "1").ok() && db.put("carrier", carrier).ok() &&
           db.put("torn", torn).ok();
  }));
  const auto recs = log_records(dir.path());
  REQUIRE(recs.size() == 3);
  const RecordLoc& last = recs.back();
  zero_range(last.path, last.offset + last.size / 2, last.size - last.size / 2);
  const auto before = dir_bytes(dir.path());

  const VerifyReport rep = verify(dir.path());
  INFO("verify: " << rep.corruption);
  CHECK_FALSE(rep.corrupt);
  auto db = open_ok(dir.path(), small_options());
  const RecoveryReport& r = db->stats().recovery;
  CHECK(r.last_lsn == 2);
  CHECK(r.dropped_segment == last.segment);
  CHECK(r.dropped_offset == last.offset);
  CHECK(rep.tail_bytes == r.dropped_bytes);
  CHECK(rep.tail_offset == r.dropped_offset);
  CHECK(get_or_marker(*db, "first") == "1");
  CHECK(get_or_marker(*db, "carrier") == carrier);
  CHECK(get_or_marker(*db, "torn") == "<absent>");
  CHECK(get_or_marker(*db, "forged") == "<absent>");

  // The dropped bytes, exactly, in a file named for where they were.
  const auto dropped = dropped_files(dir.path());
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].segment == last.segment);
  CHECK(dropped[0].offset == last.offset);
  const std::string kept = read_file(dropped[0].path);
  CHECK(kept.size() == r.dropped_bytes);
  CHECK(kept.size() >= last.size / 2);
  CHECK(kept == before.at(name_of(last.path)).substr(last.offset, kept.size()));
  REQUIRE(r.dropped_files.size() == 1);
  CHECK(name_of(r.dropped_files[0]) == dropped[0].name);
  for (const auto& problem : unpreserved_changes(dir.path(), before)) FAIL_CHECK(problem);
  db.reset();
  CHECK(verify(dir.path()).preserved_files == 1);
}

// ---------------------------------------------------------------------------------------
// (d) Opening a damaged log costs about what a clean open costs

Options big_value_options() {
  Options o = small_options();
  o.segment_bytes = 8 << 20;
  o.log_buffer_bytes = 6 << 20;
  o.flush_bytes = 1 << 20;
  return o;
}

// The fastest of three opens (the DB closed after each, untimed), and the last status.
double best_open_seconds(const std::string& dir, const Options& options, Status* status) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto db = DB::open(dir, options);
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    *status = db.status();
  }
  return best;
}

TEST_CASE("a damaged log of values made of bogus headers opens about as fast as a clean one") {
  // Every eighth byte of the value starts what looks like a header with a plausible type,
  // zero bytes and a length of 3 MiB that fits in the segment: a reader that trusted a
  // length before its header checksum would hash megabytes at each of half a million
  // offsets after the damage.
  char word[8] = {};
  const std::uint32_t len = 3 << 20;
  std::memcpy(word, &len, 4);
  word[4] = 1;
  std::string pattern;
  for (int i = 0; i < (4 << 20) / 8 - 16; ++i) pattern.append(word, 8);
  const std::string value = value_holding("bogus", pattern, pattern.size() + 8);
  REQUIRE(value.size() <= kMaxValueSize);

  for (const std::string where : {"header", "payload"}) {
    INFO("one byte flipped in the big record's " << where);
    TempDir dir;
    const Options o = big_value_options();
    in_own_open(
        dir.path(),
        [&](DB& db) {
          put_ok(db, "a", "1");
          put_ok(db, "bogus", value);
          put_ok(db, "after", "2");
        },
        o);
    const auto recs = log_records(dir.path());
    REQUIRE(recs.size() == 3);
    Status clean_status;
    const double clean = best_open_seconds(dir.path(), o, &clean_status);
    REQUIRE(clean_status.ok());

    const RecordLoc& big = recs[1];
    flip_bit(big.path, big.offset + (where == "header" ? 17 : kRecordHeaderSize + 4096), 3);
    Status damaged_status;
    const double damaged = best_open_seconds(dir.path(), o, &damaged_status);
    INFO("clean open " << clean << " s, damaged open " << damaged
                       << " s: " << damaged_status.ToString());
    CHECK(damaged <= 3 * clean + 0.5);
    // A clean close made LSN 3 durable, and record 3 says LSN 2 was: Corruption.
    CHECK(damaged_status.IsCorruption());
    CHECK_THAT(damaged_status.message(), Catch::Contains(name_of(big.path)));
    CHECK(verify(dir.path()).corruption == damaged_status.message());
  }
}

// ---------------------------------------------------------------------------------------
// (e) verify and open agree

// Writes n sync puts in one open, a checkpoint after `checkpoint_after` of them (0: none).
void write_with_checkpoint(const std::string& dir, int n, int checkpoint_after,
                           std::size_t value_size = 24, const Options& o = small_options()) {
  in_own_open(
      dir,
      [&](DB& db) {
        for (int i = 0; i < n; ++i) {
          if (i == checkpoint_after && checkpoint_after > 0) REQUIRE(db.checkpoint().ok());
          put_ok(db, make_key(i), make_value(i, 0, value_size));
        }
      },
      o);
}

void check_all_keys(const std::string& dir, int n, std::size_t value_size = 24) {
  auto db = open_ok(dir, small_options());
  for (int i = 0; i < n; ++i)
    CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, value_size));
}

TEST_CASE("a snapshot whose header LSN differs from its name is passed over alike") {
  SECTION("the log reaches back: open recovers everything from it") {
    TempDir dir;
    write_with_checkpoint(dir.path(), 8, 5);
    const auto snaps = snapshot_files(dir.path());
    REQUIRE(snaps.size() == 1);
    fs::rename(snaps[0], dir.sub("snapshot-0000000000000006.snap"));  // the header says 5
    const VerifyReport rep = verify(dir.path());
    CHECK_FALSE(rep.corrupt);
    CHECK_FALSE(rep.notes.empty());
    check_all_keys(dir.path(), 8);
  }
  SECTION("the log does not reach back: Corruption naming the snapshot") {
    TempDir dir;
    write_with_checkpoint(dir.path(), 100, 99, 2000);  // the checkpoint deletes segment 1
    REQUIRE(log_records(dir.path()).front().lsn > 1);
    const auto snaps = snapshot_files(dir.path());
    REQUIRE(snaps.size() == 1);
    const std::string renamed = "snapshot-0000000000000064.snap";  // the header says 99
    fs::rename(snaps[0], dir.sub(renamed));
    CHECK_THAT(open_corrupt(dir.path()), Catch::Contains(renamed));
  }
}

TEST_CASE("an older garbage snapshot beside a good newer one costs nothing, for both") {
  TempDir dir;
  write_with_checkpoint(dir.path(), 8, 5);
  write_file(dir.sub("snapshot-0000000000000001.snap"), std::string(200, 'G'));
  const VerifyReport rep = verify(dir.path());
  INFO(rep.corruption);
  CHECK_FALSE(rep.corrupt);
  CHECK(rep.snapshot_lsn == 5);
  check_all_keys(dir.path(), 8);
}

TEST_CASE("a flipped byte after a non-tail segment's last record costs nothing, for both") {
  TempDir dir;
  Options o = small_options();
  o.segment_bytes = 64 * 1024;
  write_with_checkpoint(dir.path(), 5, 0, 20000, o);  // three records fill most of segment 1
  const auto recs = log_records(dir.path());
  REQUIRE(recs.size() == 5);
  REQUIRE(recs[2].segment == 1);
  REQUIRE(recs[3].segment == 2);
  const std::uint64_t end = recs[2].offset + recs[2].size;
  REQUIRE(o.segment_bytes - end > 1024);
  for (const std::uint64_t at : {end, end + 1, (end + o.segment_bytes) / 2, o.segment_bytes - 1}) {
    INFO("byte " << at << " of segment 1");
    TempDir copy;
    copy_dir_files(dir.path(), copy.path());
    const std::string seg1 = copy.sub(segment_file_name(1));
    flip_bit(seg1, at, 4);
    const auto before = dir_bytes(copy.path());
    const VerifyReport rep = verify(copy.path());
    INFO(rep.corruption);
    CHECK_FALSE(rep.corrupt);
    CHECK(rep.tail_bytes == 0);
    {
      auto db = open_ok(copy.path(), o);
      for (int i = 0; i < 5; ++i) CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, 20000));
      CHECK(db->stats().recovery.dropped_bytes == 0);
    }
    CHECK(read_file(seg1) == before.at(segment_file_name(1)));  // reported, not trimmed
  }
}

TEST_CASE("every Corruption names the right file and says why, for open and verify alike") {
  struct Damage {
    std::string name;
    std::function<void(const std::string& dir, std::string* file, std::string* offset)> apply;
    bool needs_snapshot = false;
  };
  const std::vector<Damage> damages = {
      {"a durable record's payload",
       [](const std::string& dir, std::string* file, std::string* offset) {
         const auto recs = log_records(dir);
         const RecordLoc& r = recs[recs.size() / 2];
         flip_bit(r.path, r.offset + kRecordHeaderSize + 3, 2);
         *file = name_of(r.path);
         *offset = std::to_string(r.offset);
       }},
      {"a durable record's header",
       [](const std::string& dir, std::string* file, std::string* offset) {
         const auto recs = log_records(dir);
         const RecordLoc& r = recs[recs.size() / 2];
         flip_bit(r.path, r.offset + 9, 0);
         *file = name_of(r.path);
         *offset = std::to_string(r.offset);
       }},
      {"the last record",
       [](const std::string& dir, std::string* file, std::string* offset) {
         const RecordLoc r = log_records(dir).back();
         zero_range(r.path, r.offset + r.size / 2, r.size - r.size / 2);
         *file = name_of(r.path);
         *offset = std::to_string(r.offset);
       }},
      {"CONTROL",
       [](const std::string& dir, std::string* file, std::string*) {
         flip_bit(dir + "/CONTROL", 33, 5);
         *file = "CONTROL";
       }},
      {"a segment header",
       [](const std::string& dir, std::string* file, std::string*) {
         const auto segs = wal_segments(dir);
         flip_bit(segs.back().path, 30, 1);
         *file = name_of(segs.back().path);
       }},
      {"a truncated segment",
       [](const std::string& dir, std::string* file, std::string*) {
         const auto segs = wal_segments(dir);
         truncate_file(segs.front().path, file_size(segs.front().path) - 4096);
         *file = name_of(segs.front().path);
       }},
      {"a missing segment",
       [](const std::string& dir, std::string* file, std::string*) {
         const auto segs = wal_segments(dir);
         REQUIRE(segs.size() >= 2);
         fs::remove(segs.front().path);
         *file = name_of(segs.front().path);
       }},
      {"a needed snapshot",
       [](const std::string& dir, std::string* file, std::string*) {
         const auto snaps = snapshot_files(dir);
         REQUIRE(snaps.size() == 1);
         flip_bit(snaps[0], 100, 6);
         *file = name_of(snaps[0]);
       },
       true},
  };
  for (const auto& d : damages) {
    INFO(d.name);
    TempDir dir;
    // 250 records of 2 KB: several 128 KiB segments; the checkpoint after 150 deletes the
    // first ones, so the snapshot is needed.
    write_with_checkpoint(dir.path(), 250, d.needs_snapshot ? 150 : 0, 2000);
    std::string file, offset;
    d.apply(dir.path(), &file, &offset);
    const std::string msg = open_corrupt(dir.path());
    CHECK_THAT(msg, Catch::Contains(file));
    if (!offset.empty()) CHECK_THAT(msg, Catch::Contains(offset));
    CHECK(reason_words(msg, dir.path()).size() >= 2);
  }
}

// ---------------------------------------------------------------------------------------
// Version-1 directories

// A directory as the version-1 format wrote it: one segment, records 1..n, no CONTROL.
std::vector<std::string> write_v1_dir(const std::string& dir, int n) {
  const std::uint64_t size = small_options().segment_bytes;
  std::string seg = encode_segment_header_v1(1, size);
  std::vector<std::string> records;
  for (int i = 1; i <= n; ++i) {
    records.push_back(encode_record_v1(static_cast<Lsn>(i), 1, static_cast<Lsn>(i - 1),
                                       put_payload(make_key(i), make_value(i, 1))));
    seg += records.back();
  }
  seg.resize(size, '\0');
  write_file(dir + "/" + segment_file_name(1), seg);
  return records;
}

TEST_CASE("a version-1 directory opens, writes go to a version-2 segment, and all survive") {
  TempDir dir;
  write_v1_dir(dir.path(), 5);
  const std::string v1_before = read_file(dir.sub(segment_file_name(1)));
  REQUIRE(log_records(dir.path()).size() == 5);  // the helpers read version 1 too
  {
    auto db = open_ok(dir.path(), small_options());
    CHECK(db->stats().recovery.last_lsn == 5);
    CHECK(db->stats().recovery.dropped_bytes == 0);
    for (int i = 1; i <= 5; ++i) CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 1));
    for (int i = 6; i <= 8; ++i) {
      auto lsn = db->put(make_key(i), make_value(i, 1));
      REQUIRE(lsn.ok());
      CHECK(lsn.value() == static_cast<Lsn>(i));
    }
  }
  CHECK(read_file(dir.sub(segment_file_name(1))) == v1_before);
  const auto recs = log_records(dir.path());
  REQUIRE(recs.size() == 8);
  for (std::size_t i = 5; i < 8; ++i) {
    INFO("LSN " << recs[i].lsn);
    CHECK(recs[i].segment >= 2);
    SegmentHeaderInfo h;
    REQUIRE(decode_segment_header(read_file(recs[i].path), &h));
    CHECK(h.version == 2);
    CHECK(h.salt != 0);
  }
  ControlInfo control;
  CHECK(read_control(dir.path(), &control));
  CHECK_FALSE(verify(dir.path()).corrupt);
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn == 8);
  for (int i = 1; i <= 8; ++i) CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 1));
}

TEST_CASE("a version-1 directory's torn tail is dropped and preserved") {
  TempDir dir;
  const auto records = write_v1_dir(dir.path(), 5);
  const std::string path = dir.sub(segment_file_name(1));
  std::uint64_t last_offset = kSegmentHeaderSize;
  for (std::size_t i = 0; i + 1 < records.size(); ++i) last_offset += records[i].size();
  zero_range(path, last_offset + records.back().size() / 2,
             records.back().size() - records.back().size() / 2);
  const auto before = dir_bytes(dir.path());
  CHECK_FALSE(verify(dir.path()).corrupt);
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn == 4);
  CHECK(db->stats().recovery.dropped_offset == last_offset);
  CHECK(get_or_marker(*db, make_key(5)) == "<absent>");
  CHECK(get_or_marker(*db, make_key(4)) == make_value(4, 1));
  for (const auto& problem : unpreserved_changes(dir.path(), before)) FAIL_CHECK(problem);
  CHECK(dropped_files(dir.path()).size() == 1);
}

}  // namespace
}  // namespace walkv::test
