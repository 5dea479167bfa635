// Checkpoints: a snapshot plus the WAL after it recovers everything, covered segments are
// deleted, and with auto-checkpoint a long write stream keeps the WAL bounded.
#include <map>
#include <random>
#include <string>

#include "test_util.h"
#include "walkv/write_batch.h"

namespace walkv::test {
namespace {

TEST_CASE("checkpoint then reopen keeps every key and deletes covered segments") {
  TempDir dir;
  Options opts = small_options(CommitMode::kAsync);
  const std::uint64_t n = 1500;  // ~1500 * 340 bytes: several 128 KiB segments
  Lsn cp = 0;
  std::uint64_t segments_before = 0;
  {
    auto db = open_ok(dir.path(), opts);
    for (std::uint64_t i = 0; i < n; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0, 300)).ok());
    REQUIRE(db->sync().ok());
    std::uint64_t first_segment = wal_segments(dir.path()).front().number;
    segments_before = db->stats().wal_segments;
    REQUIRE(segments_before >= 3);
    auto r = db->checkpoint();
    REQUIRE(r.ok());
    cp = r.value();
    CHECK(cp == n);
    Stats st = db->stats();
    CHECK(st.checkpoints == 1);
    CHECK(st.snapshot_lsn == cp);
    CHECK(st.wal_segments < segments_before);
    REQUIRE(snapshot_files(dir.path()).size() >= 1);
    // The oldest segment was covered entirely: gone (or recycled under a new number).
    auto segs = wal_segments(dir.path());
    CHECK((segs.empty() || segs.front().number != first_segment));
    CHECK(segs.size() < segments_before);
    CHECK(st.wal_segments <= 2);  // the live segment (and one being started)
  }
  auto db = open_ok(dir.path(), opts);
  const RecoveryReport& rep = db->stats().recovery;
  CHECK(rep.snapshot_lsn == cp);
  CHECK(rep.last_lsn == n);
  CHECK(rep.records_replayed == 0);
  CHECK(db->stats().keys == n);
  for (std::uint64_t i = 0; i < n; i += 7) {
    CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0, 300));
  }
  CHECK(get_or_marker(*db, make_key(n - 1)) == make_value(n - 1, 0, 300));
}

TEST_CASE("writes after a checkpoint are replayed on top of the snapshot") {
  TempDir dir;
  Options opts = small_options();
  {
    auto db = open_ok(dir.path(), opts);
    for (std::uint64_t i = 0; i < 50; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());
    REQUIRE(db->checkpoint().ok());
    for (std::uint64_t i = 0; i < 50; i += 2) REQUIRE(db->put(make_key(i), make_value(i, 1)).ok());
    for (std::uint64_t i = 1; i < 50; i += 10) REQUIRE(db->del(make_key(i)).ok());
  }
  auto db = open_ok(dir.path(), opts);
  const RecoveryReport& rep = db->stats().recovery;
  CHECK(rep.snapshot_lsn == 50);
  CHECK(rep.records_replayed == 25 + 5);
  CHECK(rep.last_lsn == 80);
  for (std::uint64_t i = 0; i < 50; ++i) {
    INFO("key " << i);
    if (i % 10 == 1) {
      CHECK(get_or_marker(*db, make_key(i)) == "<absent>");
    } else if (i % 2 == 0) {
      CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 1));
    } else {
      CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 0));
    }
  }
  auto next = db->put("next", "n");
  REQUIRE(next.ok());
  CHECK(next.value() == 81);
}

TEST_CASE("a key deleted before a checkpoint does not come back") {
  TempDir dir;
  {
    auto db = open_ok(dir.path(), small_options());
    REQUIRE(db->put("gone", "old").ok());
    REQUIRE(db->put("kept", "k").ok());
    REQUIRE(db->del("gone").ok());
    REQUIRE(db->checkpoint().ok());
  }
  auto db = open_ok(dir.path(), small_options());
  CHECK(get_or_marker(*db, "gone") == "<absent>");
  CHECK(get_or_marker(*db, "kept") == "k");
  CHECK(db->stats().keys == 1);
}

TEST_CASE("a checkpoint of an empty database reopens empty") {
  TempDir dir;
  {
    auto db = open_ok(dir.path(), small_options());
    auto r = db->checkpoint();
    REQUIRE(r.ok());
    CHECK(r.value() == 0);
  }
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().keys == 0);
  auto lsn = db->put("first", "1");
  REQUIRE(lsn.ok());
  CHECK(lsn.value() == 1);
}

TEST_CASE("repeated checkpoints recover from the newest snapshot") {
  TempDir dir;
  {
    auto db = open_ok(dir.path(), small_options());
    for (std::uint64_t round = 0; round < 3; ++round) {
      for (std::uint64_t i = 0; i < 40; ++i) {
        REQUIRE(db->put(make_key(i), make_value(i, round)).ok());
      }
      auto cp = db->checkpoint();
      REQUIRE(cp.ok());
      CHECK(cp.value() == (round + 1) * 40);
    }
    CHECK(db->stats().checkpoints == 3);
  }
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.snapshot_lsn == 120);
  for (std::uint64_t i = 0; i < 40; ++i) CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 2));
}

TEST_CASE("checkpoint leaves no temporary files behind") {
  TempDir dir;
  auto db = open_ok(dir.path(), small_options());
  for (std::uint64_t i = 0; i < 20; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());
  REQUIRE(db->checkpoint().ok());
  for (const auto& name : list_dir(dir.path())) {
    INFO(name);
    CHECK(name.find(".tmp") == std::string::npos);
  }
}

TEST_CASE("checkpoint makes earlier async writes durable first") {
  TempDir dir;
  Options opts = idle_flusher_options(CommitMode::kAsync);
  auto db = open_ok(dir.path(), opts);
  Lsn last = 0;
  for (std::uint64_t i = 0; i < 30; ++i) {
    auto lsn = db->put(make_key(i), make_value(i, 0));
    REQUIRE(lsn.ok());
    last = lsn.value();
  }
  auto cp = db->checkpoint();
  REQUIRE(cp.ok());
  CHECK(cp.value() == last);
  // The snapshot covers LSN `last`, and the log before it may be gone, so those writes
  // must be durable now.
  CHECK(db->durable_lsn() >= last);
}

TEST_CASE("auto checkpoint keeps the WAL bounded under a long write stream") {
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  Options opts = small_options(CommitMode::kAsync);
  opts.segment_bytes = 256 * 1024;
  opts.log_buffer_bytes = 64 * 1024;
  opts.flush_bytes = 32 * 1024;
  opts.checkpoint_wal_bytes = 1024 * 1024;
  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> expect;
  const std::uint64_t keys = 400;
  const std::uint64_t writes = 12000;  // ~12000 * 560 bytes: about 6.5 MiB of WAL in all
  std::uint64_t max_segments = 0, max_wal_bytes = 0, max_files = 0;
  {
    auto db = open_ok(dir.path(), opts);
    for (std::uint64_t w = 0; w < writes; ++w) {
      std::uint64_t k = rng() % keys;
      std::string value = make_value(k, w, 500);
      REQUIRE(db->put(make_key(k), value).ok());
      expect[make_key(k)] = value;
      if (w % 250 == 0) {
        Stats st = db->stats();
        max_segments = std::max(max_segments, st.wal_segments);
        max_wal_bytes = std::max(max_wal_bytes, st.wal_bytes);
        max_files = std::max<std::uint64_t>(max_files, wal_segments(dir.path()).size());
      }
    }
    Stats st = db->stats();
    CHECK(st.checkpoints >= 3);
    CHECK(st.bytes_written > 5 * opts.checkpoint_wal_bytes);
  }
  INFO("max wal_segments " << max_segments << ", max wal_bytes " << max_wal_bytes
                           << ", max segment files " << max_files);
  // The threshold is 1 MiB (4 segments); allow a checkpoint in progress and a spare.
  CHECK(max_wal_bytes <= 3 * opts.checkpoint_wal_bytes);
  CHECK(max_segments <= 12);
  CHECK(max_files <= 14);
  CHECK(wal_segments(dir.path()).size() <= 14);

  auto db = open_ok(dir.path(), opts);
  CHECK(db->stats().recovery.last_lsn == writes);
  CHECK(db->stats().keys == expect.size());
  for (const auto& [k, v] : expect) CHECK(get_or_marker(*db, k) == v);
}


TEST_CASE("segments a checkpoint did not get to delete are skipped on recovery") {
  // A crash after the snapshot was renamed into place but before the covered segments
  // were unlinked leaves both: the snapshot must win over the old records.
  TempDir dir, saved;
  const std::uint64_t n = 300;
  {
    auto db = open_ok(dir.path(), small_options());
    for (std::uint64_t i = 0; i < n; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0, 1000)).ok());
    REQUIRE(wal_segments(dir.path()).size() >= 3);
    copy_dir_files(dir.path(), saved.path());
    for (std::uint64_t i = 0; i < n; i += 2) REQUIRE(db->put(make_key(i), make_value(i, 1, 100)).ok());
    for (std::uint64_t i = 1; i < n; i += 10) REQUIRE(db->del(make_key(i)).ok());
    REQUIRE(db->checkpoint().ok());
    for (std::uint64_t i = 0; i < n; i += 3) REQUIRE(db->put(make_key(i), make_value(i, 2, 50)).ok());
  }
  int restored = 0;
  for (const auto& seg : wal_segments(saved.path())) {
    std::string name = seg.path.substr(seg.path.rfind('/') + 1);
    if (file_exists(dir.sub(name))) continue;
    write_file(dir.sub(name), read_file(seg.path));
    ++restored;
  }
  REQUIRE(restored >= 1);
  auto db = open_ok(dir.path(), small_options());
  for (std::uint64_t i = 0; i < n; ++i) {
    INFO("key " << i);
    std::string want;
    if (i % 3 == 0) {
      want = make_value(i, 2, 50);
    } else if (i % 10 == 1) {
      want = "<absent>";
    } else if (i % 2 == 0) {
      want = make_value(i, 1, 100);
    } else {
      want = make_value(i, 0, 1000);
    }
    CHECK(get_or_marker(*db, make_key(i)) == want);
  }
}

TEST_CASE("an older snapshot left beside a newer one is not used") {
  TempDir dir, saved;
  {
    auto db = open_ok(dir.path(), small_options());
    for (std::uint64_t i = 0; i < 30; ++i) REQUIRE(db->put(make_key(i), make_value(i, 0)).ok());
    REQUIRE(db->checkpoint().ok());
    copy_dir_files(dir.path(), saved.path());
    for (std::uint64_t i = 0; i < 30; ++i) REQUIRE(db->put(make_key(i), make_value(i, 1)).ok());
    REQUIRE(db->del(make_key(7)).ok());
    REQUIRE(db->checkpoint().ok());
  }
  auto old_snaps = snapshot_files(saved.path());
  REQUIRE(old_snaps.size() == 1);
  std::string name = old_snaps[0].substr(old_snaps[0].rfind('/') + 1);
  if (!file_exists(dir.sub(name))) write_file(dir.sub(name), read_file(old_snaps[0]));
  auto db = open_ok(dir.path(), small_options());
  CHECK(db->stats().recovery.snapshot_lsn == 61);
  CHECK(get_or_marker(*db, make_key(7)) == "<absent>");
  for (std::uint64_t i = 0; i < 30; ++i) {
    if (i != 7) CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 1));
  }
}

}  // namespace
}  // namespace walkv::test
