// Recovery of a damaged log tail: torn, zeroed, bit-flipped, out of sequence or forged
// records at the end of the log after a crash are dropped, reported in stats().recovery,
// preserved in dropped-*.bin files and only then trimmed, and everything before them
// survives. Stale bytes behind a trimmed tail never come back. A segment file cut short is
// never taken for a clean end.
//
// A torn tail is what a crash leaves: the databases here are written by a child process that
// dies without closing them. After a clean close CONTROL records every write as durable, so
// the same damage is Corruption (corruption_test.cpp, damage_test.cpp).
#include <algorithm>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "segment_window.h"
#include "test_util.h"

namespace walkv::test {
namespace {

constexpr std::size_t kValueSize = 2000;  // records span several 512-byte sectors

// Writes n sync puts make_key(i) -> make_value(i, 0, value_size) in a child process that
// then dies without closing the DB, and returns the records as found on disk (checked to be
// exactly those n writes).
std::vector<RecordLoc> write_and_crash(const std::string& dir, std::uint64_t n,
                                       std::size_t value_size = kValueSize,
                                       const Options& options = small_options()) {
  REQUIRE(run_and_crash(dir, options, [&](DB& db) {
    for (std::uint64_t i = 0; i < n; ++i) {
      auto lsn = db.put(make_key(i), make_value(i, 0, value_size));
      if (!lsn.ok() || lsn.value() != i + 1) return false;
    }
    return true;
  }));
  auto recs = log_records(dir);
  REQUIRE(recs.size() == n);
  REQUIRE(recs.back().lsn == n);
  return recs;
}

// The same writes, closed cleanly.
std::vector<RecordLoc> write_and_close(const std::string& dir, std::uint64_t n,
                                       std::size_t value_size = kValueSize) {
  {
    auto db = open_ok(dir, small_options());
    for (std::uint64_t i = 0; i < n; ++i) {
      auto lsn = db->put(make_key(i), make_value(i, 0, value_size));
      REQUIRE(lsn.ok());
      REQUIRE(lsn.value() == i + 1);
    }
  }
  auto recs = log_records(dir);
  REQUIRE(recs.size() == n);
  REQUIRE(recs.back().lsn == n);
  return recs;
}

// Keys [0, kept) hold their values, keys [kept, total) are absent.
void check_prefix(DB& db, std::uint64_t kept, std::uint64_t total,
                  std::size_t value_size = kValueSize) {
  for (std::uint64_t i = 0; i < total; ++i) {
    INFO("key index " << i);
    if (i < kept) {
      CHECK(get_or_marker(db, make_key(i)) == make_value(i, 0, value_size));
    } else {
      CHECK(get_or_marker(db, make_key(i)) == "<absent>");
    }
  }
}

// What stats().recovery must say when the record `bad` (and anything after it) was dropped.
void check_dropped_at(const RecoveryReport& rep, const RecordLoc& bad) {
  INFO("reason: " << rep.dropped_reason);
  CHECK(rep.last_lsn == bad.lsn - 1);
  CHECK(rep.dropped_bytes > 0);
  CHECK(rep.dropped_segment == bad.segment);
  CHECK(rep.dropped_offset == bad.offset);
  CHECK_FALSE(rep.dropped_reason.empty());
}

// The open that dropped a tail preserved it first: a dropped-*.bin file holds the bytes from
// the first dropped one on (a whole later segment is kept as a file of offset 0), the report
// names it, and nothing else in the WAL changed but zeroed bytes such a file covers.
void check_preserved(const std::string& dir, const std::map<std::string, std::string>& before,
                     const RecoveryReport& rep) {
  for (const auto& problem : unpreserved_changes(dir, before)) {
    INFO(problem);
    CHECK(false);
  }
  bool found = false;
  std::string names;
  for (const auto& d : dropped_files(dir)) {
    found |= d.segment == rep.dropped_segment && d.offset <= rep.dropped_offset &&
             d.offset + file_size(d.path) > rep.dropped_offset;
    names += " " + d.name;
  }
  INFO("dropped segment " << rep.dropped_segment << " offset " << rep.dropped_offset
                          << "; files:" << names);
  CHECK(found);
  CHECK_FALSE(rep.dropped_files.empty());
  for (const auto& f : rep.dropped_files) CHECK(file_exists(f));
}

// Opens dir, which must hold a torn tail starting at `bad`: the open succeeds, reports and
// preserves the drop.
std::unique_ptr<DB> open_dropping(const std::string& dir, const RecordLoc& bad,
                                  const Options& options = small_options()) {
  const auto before = dir_bytes(dir);
  auto db = open_ok(dir, options);
  check_dropped_at(db->stats().recovery, bad);
  check_preserved(dir, before, db->stats().recovery);
  return db;
}

// After recovery dropped a tail: new writes continue the LSN sequence, and they (and the
// recovered prefix) survive another reopen with nothing more dropped.
void check_writes_after_recovery(const std::string& dir, std::unique_ptr<DB> db,
                                 std::uint64_t kept, std::uint64_t total) {
  for (std::uint64_t j = 0; j < 3; ++j) {
    auto lsn = db->put("after-" + std::to_string(j), "new");
    REQUIRE(lsn.ok());
    CHECK(lsn.value() == kept + 1 + j);
  }
  db.reset();
  auto again = open_ok(dir, small_options());
  const RecoveryReport& rep = again->stats().recovery;
  CHECK(rep.dropped_bytes == 0);
  CHECK(rep.last_lsn == kept + 3);
  check_prefix(*again, kept, total);
  for (std::uint64_t j = 0; j < 3; ++j) {
    CHECK(get_or_marker(*again, "after-" + std::to_string(j)) == "new");
  }
}

TEST_CASE("a torn last record is dropped, reported and preserved") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20);
  const RecordLoc& last = recs.back();
  // The write reached the disk only up to its middle: the rest is still zeros.
  zero_range(last.path, last.offset + last.size / 2, last.size - last.size / 2);
  Options opts = small_options();
  LogSink sink;
  opts.logger = sink.logger();
  auto db = open_dropping(dir.path(), last, opts);
  check_prefix(*db, 19, 20);
  CHECK_FALSE(sink.warnings().empty());
  check_writes_after_recovery(dir.path(), std::move(db), 19, 20);
}

TEST_CASE("a second drop at the same place is preserved beside the first") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 10, 100);
  const RecordLoc last = recs.back();
  zero_range(last.path, last.offset + last.size / 2, last.size - last.size / 2);
  open_dropping(dir.path(), last).reset();
  auto first = dropped_files(dir.path());
  REQUIRE(first.size() == 1);
  CHECK(first[0].n == 1);
  const std::string first_bytes = read_file(first[0].path);
  // The same write again (same LSN, same size, same place), torn the same way by a crash.
  REQUIRE(run_and_crash(dir.path(), small_options(), [](DB& db) {
    return db.put(make_key(9), make_value(9, 1, 100)).ok();
  }));
  REQUIRE(log_records(dir.path()).back().offset == last.offset);
  zero_range(last.path, last.offset + last.size / 2, last.size - last.size / 2);
  auto db = open_dropping(dir.path(), last);
  check_prefix(*db, 9, 10, 100);
  auto both = dropped_files(dir.path());
  REQUIRE(both.size() == 2);
  CHECK(both[0].name == first[0].name);
  CHECK(read_file(both[0].path) == first_bytes);
  CHECK(both[1].segment == last.segment);
  CHECK(both[1].offset == last.offset);
  CHECK(both[1].n == 2);
  CHECK(read_file(both[1].path) != first_bytes);  // the second write's bytes, not the first's
}

TEST_CASE("a zeroed last record ends the log") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20);
  const RecordLoc& last = recs.back();
  zero_range(last.path, last.offset, last.size);
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn == 19);
  // Nothing but zeros was dropped: nothing to report or preserve.
  CHECK(db->stats().recovery.dropped_bytes == 0);
  CHECK(dropped_files(dir.path()).empty());
  check_prefix(*db, 19, 20);
  check_writes_after_recovery(dir.path(), std::move(db), 19, 20);
}

TEST_CASE("a zeroed sector inside the last record is dropped and reported") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20);
  const RecordLoc& last = recs.back();
  std::uint64_t sector = (last.offset + 600) / 512 * 512;  // a sector within the payload
  REQUIRE(sector + 512 <= last.offset + last.size);
  zero_range(last.path, sector, 512);
  auto db = open_dropping(dir.path(), last);
  check_prefix(*db, 19, 20);
  check_writes_after_recovery(dir.path(), std::move(db), 19, 20);
}

TEST_CASE("a bit flip in the last record's payload is dropped and reported") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20);
  const RecordLoc& last = recs.back();
  flip_bit(last.path, last.offset + 40 + 100, 3);
  auto db = open_dropping(dir.path(), last);
  check_prefix(*db, 19, 20);
  check_writes_after_recovery(dir.path(), std::move(db), 19, 20);
}

TEST_CASE("a bit flip in the last record's length field is dropped and reported") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20);
  const RecordLoc& last = recs.back();
  flip_bit(last.path, last.offset + 8 + 3, 6);  // the length now runs far past the segment
  // (and the header checksum no longer matches: the length is never trusted)
  auto db = open_dropping(dir.path(), last);
  check_prefix(*db, 19, 20);
  check_writes_after_recovery(dir.path(), std::move(db), 19, 20);
}

TEST_CASE("a bit flip in the last record's checksum is dropped and reported") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20);
  const RecordLoc& last = recs.back();
  flip_bit(last.path, last.offset + 2, 0);
  auto db = open_dropping(dir.path(), last);
  check_prefix(*db, 19, 20);
}

TEST_CASE("a zeroed header with payload bytes behind it ends the log") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20);
  const RecordLoc& last = recs.back();
  zero_range(last.path, last.offset, 40);
  const auto before = dir_bytes(dir.path());
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn == 19);
  // The payload bytes behind the zeroed header are dropped, so they are preserved first.
  CHECK(db->stats().recovery.dropped_bytes > 0);
  for (const auto& problem : unpreserved_changes(dir.path(), before)) FAIL_CHECK(problem);
  check_prefix(*db, 19, 20);
  // New, shorter records land where the old one was; its left-over payload bytes must
  // never be taken for records.
  check_writes_after_recovery(dir.path(), std::move(db), 19, 20);
}

TEST_CASE("a segment file cut short inside the last record is Corruption, not a torn tail") {
  // Segments are created full size before any record goes in, so no crash leaves one short:
  // a short file lost bytes some other way, and they may have been durable.
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20);
  const RecordLoc& last = recs.back();
  truncate_file(last.path, last.offset + last.size / 2);
  const auto before = dir_bytes(dir.path());
  auto db = DB::open(dir.path(), small_options());
  REQUIRE_FALSE(db.ok());
  INFO(db.status().ToString());
  CHECK(db.status().IsCorruption());
  CHECK_THAT(db.status().message(), Catch::Contains(segment_file_name(last.segment)));
  CHECK(dir_bytes(dir.path()) == before);
}

TEST_CASE("a damaged tail in the last of several segments keeps the earlier segments") {
  TempDir dir;
  const std::uint64_t n = 200;  // 200 * ~2 KiB: several 128 KiB segments
  auto recs = write_and_crash(dir.path(), n);
  REQUIRE(recs.front().segment != recs.back().segment);
  const RecordLoc& last = recs.back();
  flip_bit(last.path, last.offset + 40 + 7, 1);
  auto db = open_dropping(dir.path(), last);
  CHECK(db->stats().recovery.segments_read >= 2);
  check_prefix(*db, n - 1, n);
}

TEST_CASE("recovery stops at the first bad record and never skips ahead to later ones") {
  TempDir dir;
  auto recs = write_unsynced_tail(dir.path());
  const RecordLoc& bad = recs[9];  // LSN 10; LSNs 11..20 behind it are intact
  flip_bit(bad.path, bad.offset + 40 + 4, 5);
  auto db = open_dropping(dir.path(), bad);
  CHECK(db->stats().recovery.dropped_bytes >= bad.size);
  check_prefix(*db, 9, 20, 24);
}

TEST_CASE("stale records behind a trimmed tail are not replayed after new writes") {
  TempDir dir;
  auto recs = write_unsynced_tail(dir.path());
  const RecordLoc& bad = recs[9];  // LSN 10
  flip_bit(bad.path, bad.offset + 40 + 4, 5);
  {
    auto db = open_ok(dir.path(), small_options());
    CHECK(db->stats().recovery.last_lsn == 9);
    // A new record of exactly the dropped one's size gets LSN 10. If the old tail were still
    // on disk behind it, the old record with LSN 11 would follow in perfect sequence.
    std::string key = make_key(900);
    std::string value = make_value(900, 0, 24);
    REQUIRE(key.size() == make_key(9).size());
    auto lsn = db->put(key, value);
    REQUIRE(lsn.ok());
    REQUIRE(lsn.value() == 10);
  }
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn == 10);
  CHECK(get_or_marker(*db, make_key(900)) == make_value(900, 0, 24));
  check_prefix(*db, 9, 20, 24);
}

// Appends `rec` right after the last record of the log (checked to be followed by zeros).
// The log was closed cleanly, so CONTROL says LSN 10 was durable: a forged record after it
// only ever lengthens or leaves the log, never cuts into it.
void append_after_log(const std::vector<RecordLoc>& recs, const std::string& rec) {
  const RecordLoc& last = recs.back();
  std::uint64_t end = last.offset + last.size;
  std::string after = read_file(last.path).substr(end, rec.size() + 64);
  REQUIRE(after == std::string(after.size(), '\0'));
  write_at(last.path, end, rec);
}

TEST_CASE("a forged record with the next LSN is replayed") {
  // The control for the LSN-gap and misplaced-record tests: the forging itself is right.
  TempDir dir;
  auto recs = write_and_close(dir.path(), 10, 100);
  const RecordLoc& last = recs.back();
  append_after_log(recs,
                   encode_record(11, 10, put_payload("forged", "yes"), segment_salt(last.path)));
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn == 11);
  CHECK(db->stats().recovery.dropped_bytes == 0);
  CHECK(get_or_marker(*db, "forged") == "yes");
}

TEST_CASE("a record that skips an LSN stops recovery there") {
  TempDir dir;
  auto recs = write_and_close(dir.path(), 10, 100);
  const RecordLoc& last = recs.back();
  append_after_log(recs,
                   encode_record(12, 10, put_payload("forged", "yes"), segment_salt(last.path)));
  Options opts = small_options();
  auto db = open_ok(dir.path(), opts);
  const RecoveryReport& rep = db->stats().recovery;
  INFO("reason: " << rep.dropped_reason);
  CHECK(rep.last_lsn == 10);
  CHECK(rep.dropped_bytes > 0);
  CHECK(rep.dropped_segment == last.segment);
  CHECK(rep.dropped_offset == last.offset + last.size);
  CHECK_FALSE(rep.dropped_reason.empty());
  CHECK(get_or_marker(*db, "forged") == "<absent>");
  auto lsn = db->put("next", "n");
  REQUIRE(lsn.ok());
  CHECK(lsn.value() == 11);
  db.reset();
  auto again = open_ok(dir.path(), opts);
  CHECK(get_or_marker(*again, "forged") == "<absent>");
  CHECK(get_or_marker(*again, "next") == "n");
  check_prefix(*again, 10, 10, 100);
}

TEST_CASE("a record with an earlier LSN after the log end is not replayed") {
  TempDir dir;
  auto recs = write_and_close(dir.path(), 10, 100);
  const RecordLoc& last = recs.back();
  append_after_log(recs,
                   encode_record(5, 4, put_payload(make_key(4), "old"), segment_salt(last.path)));
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.last_lsn == 10);
  check_prefix(*db, 10, 10, 100);
}

TEST_CASE("a record sealed without this segment's salt is not genuine and is dropped") {
  // Another segment's salt (a record of a swapped or copied file), no salt (the unseeded
  // hash), and the version-1 layout: each is a well-formed record to a reader that does not
  // check the salt, with the next LSN.
  const std::vector<std::string> kinds = {"other salt", "salt 0", "version 1"};
  for (const auto& kind : kinds) {
    INFO(kind);
    TempDir dir;
    auto recs = write_and_close(dir.path(), 10, 100);
    const RecordLoc& last = recs.back();
    const std::uint64_t salt = segment_salt(last.path);
    const std::string payload = put_payload("forged", "yes");
    std::string rec = kind == "other salt" ? encode_record(11, 10, payload, salt ^ 0x9e37)
                      : kind == "salt 0"   ? encode_record(11, 10, payload, 0)
                                           : encode_record_v1(11, last.segment, 10, payload);
    append_after_log(recs, rec);
    const auto before = dir_bytes(dir.path());
    auto db = open_ok(dir.path(), small_options());
    const RecoveryReport& rep = db->stats().recovery;
    CHECK(rep.last_lsn == 10);
    CHECK(rep.dropped_bytes > 0);
    CHECK(rep.dropped_segment == last.segment);
    CHECK(rep.dropped_offset == last.offset + last.size);
    CHECK(get_or_marker(*db, "forged") == "<absent>");
    for (const auto& problem : unpreserved_changes(dir.path(), before)) FAIL_CHECK(problem);
  }
}

TEST_CASE("a clean log reports nothing dropped") {
  TempDir dir;
  write_and_close(dir.path(), 10, 100);
  auto db = open_ok(dir.path(), small_options());
  const RecoveryReport& rep = db->stats().recovery;
  CHECK(rep.dropped_bytes == 0);
  CHECK(rep.dropped_segment == 0);
  CHECK(rep.dropped_reason.empty());
  CHECK(rep.records_replayed == 10);
  CHECK(rep.last_lsn == 10);
}


TEST_CASE("a torn first record of a new segment is dropped and the full segment kept") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 150);
  // The first record of the last segment holding records; pretend the crash came right
  // after the roll: that record is torn and nothing was written after it.
  std::size_t first = recs.size() - 1;
  while (first > 0 && recs[first - 1].segment == recs.back().segment) --first;
  const RecordLoc& victim = recs[first];
  REQUIRE(victim.offset == 64);
  REQUIRE(first > 0);
  const RecordLoc& last = recs.back();
  zero_range(victim.path, victim.offset + victim.size,
             last.offset + last.size - (victim.offset + victim.size));
  flip_bit(victim.path, victim.offset + 40 + 900, 2);
  auto db = open_dropping(dir.path(), victim);
  check_prefix(*db, first, 150);
  check_writes_after_recovery(dir.path(), std::move(db), first, 150);
}

}  // namespace
}  // namespace walkv::test

namespace walkv::test {
namespace {

// Records longer than the reader's 1 MiB window (segment_window.h) are read in pieces.
Options large_record_options() {
  Options o = small_options();
  o.segment_bytes = 8 << 20;
  o.log_buffer_bytes = 4 << 20;
  o.flush_bytes = 1 << 20;
  return o;
}

// Every kRead the engine reports after a file's first (the open's, at offset 0): the reader
// moving its window on.
struct WindowReads : IoHooks {
  std::mutex mu;
  std::uint64_t longest = 0;
  int before(const IoEvent& ev) override {
    if (ev.op == IoOp::kRead && ev.offset > 0) {
      std::lock_guard lk(mu);
      longest = std::max(longest, ev.length);
    }
    return 0;
  }
};

void put_u32_at(const std::string& path, std::uint64_t offset, std::uint32_t v) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
               static_cast<char>(v >> 24)};
  f.write(b, 4);
  REQUIRE(f.good());
}

TEST_CASE("records larger than the reader's window are recovered whole") {
  TempDir dir;
  // Sizes around the window, so that records start and end on both sides of its edges.
  const std::vector<std::size_t> sizes = {100,       3 << 20, 1 << 20, 100,     (1 << 20) - 40,
                                          5 << 19,   7,       3 << 19, 2 << 20, 100};
  {
    auto db = open_ok(dir.path(), large_record_options());
    for (std::size_t i = 0; i < sizes.size(); ++i)
      REQUIRE(db->put(make_key(i), make_value(i, 0, sizes[i])).ok());
  }
  REQUIRE(log_records(dir.path()).size() == sizes.size());
  auto hooks = std::make_shared<WindowReads>();
  Options opts = large_record_options();
  opts.io_hooks = hooks;
  auto db = open_ok(dir.path(), opts);
  CHECK(db->stats().recovery.dropped_bytes == 0);
  CHECK(db->stats().recovery.last_lsn == sizes.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    INFO("record " << i << " of " << sizes[i] << " bytes");
    CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, sizes[i]));
  }
  CHECK(hooks->longest > (3u << 20));  // the longest record was read whole
}

TEST_CASE("a length field damaged to megabytes is a checksum mismatch, not a megabyte read") {
  TempDir dir;
  auto recs = write_and_crash(dir.path(), 20, 500, large_record_options());
  const RecordLoc& last = recs.back();
  // Still inside the 8 MiB segment, so only a checksum can tell.
  put_u32_at(last.path, last.offset + 8, 3 << 20);
  auto hooks = std::make_shared<WindowReads>();
  Options opts = large_record_options();
  opts.io_hooks = hooks;
  auto db = open_dropping(dir.path(), last, opts);
  CHECK_THAT(db->stats().recovery.dropped_reason, Catch::Contains("checksum"));
  for (std::uint64_t i = 0; i < 20; ++i)
    CHECK(get_or_marker(*db, make_key(i)) == (i < 19 ? make_value(i, 0, 500) : "<absent>"));
  CHECK(hooks->longest <= SegmentWindow::kWindow);
}

}  // namespace
}  // namespace walkv::test
