// Shared helpers for the engine tests: small options, seeded randomness, our own
// reader/forger of the documented on-disk format, file damage, child processes for crash
// tests, and an IoHooks implementation that injects faults. Temporary directories
// (common/temp_dir.h) come with it; the durability ledger is common/sync_ledger.h.
//
// The parsers and encoders of segments, records and CONTROL here are written from the format
// description (docs/design.md, "On-disk format"), not borrowed from the engine, so a test
// that forges or locates a record also checks that the engine writes what the format says.
//
// Thread safety: FaultHooks is thread-safe (the engine calls it from its threads); everything
// else is meant for the test's main thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "common/temp_dir.h"
#include "snapshot_map.h"
#include "walkv/db.h"
#include "walkv/io_hooks.h"
#include "walkv/options.h"
#include "walkv/status.h"

namespace walkv {
class Index;
}  // namespace walkv

namespace walkv::test {

// ---------------------------------------------------------------------------------------
// Environment (temporary directories: TempDir, common/temp_dir.h)

// WALKV_TEST_SEED if set (decimal), otherwise a fixed default. Tests print it via CAPTURE.
std::uint64_t test_seed();

// True when this kernel and sandbox let us set up an io_uring (probed once).
bool uring_available();

// Options sized for tests: 128 KiB segments, 32 KiB log buffer, 8 KiB flush_bytes, 2 ms
// flush interval, no auto-checkpoint, a logger that keeps messages (see LogSink) quiet.
Options small_options(CommitMode mode = CommitMode::kSync);
// small_options whose flusher runs only when asked (sync(), a sync write, a full log buffer,
// close), so that a test decides what is written and when.
Options idle_flusher_options(CommitMode mode);

// Collects the engine's log lines (Options::logger) instead of printing them.
class LogSink {
 public:
  std::function<void(LogLevel, std::string_view)> logger();
  std::vector<std::string> warnings() const;
  std::vector<std::string> infos() const;

 private:
  struct State {
    mutable std::mutex mu;
    std::vector<std::string> warnings;
    std::vector<std::string> infos;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Opens the DB or fails the test with the status' message.
std::unique_ptr<DB> open_ok(const std::string& dir, const Options& options);

// A value that identifies (key index, version) and has a chosen size.
std::string make_value(std::uint64_t index, std::uint64_t version, std::size_t size = 24);
std::string make_key(std::uint64_t index);

// Reads `key` expecting it to be present (test fails otherwise), or returns "<absent>" /
// "<error: ...>" so a comparison shows what went wrong.
std::string get_or_marker(DB& db, std::string_view key);

// Polls pred every millisecond until it holds or `timeout` passes; returns the last result.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// ---------------------------------------------------------------------------------------
// Files

std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view data);
void write_at(const std::string& path, std::uint64_t offset, std::string_view data);
void flip_bit(const std::string& path, std::uint64_t offset, int bit);
void zero_range(const std::string& path, std::uint64_t offset, std::uint64_t length);
void truncate_file(const std::string& path, std::uint64_t size);
std::uint64_t file_size(const std::string& path);
bool file_exists(const std::string& path);
// Names (not paths) of the regular files in dir, sorted.
std::vector<std::string> list_dir(const std::string& dir);
// Copies every regular file of `from` into the (existing) directory `to`.
void copy_dir_files(const std::string& from, const std::string& to);

// ---------------------------------------------------------------------------------------
// The on-disk format, as documented in docs/design.md (format 2; format-1 segments are still
// read)
//
// Segment: [0,64) header "WALKVLOG", u32 version, u32 64, u64 number, u64 size, u64 salt
// (version 2; zero in version 1), zeros, u64 XXH3 of [0,56). Version-2 records start at 64,
// 8-byte aligned, back to back: [0,8) header checksum (XXH3 seeded with the salt, of [8,40)),
// [8,12) payload length, [12] type 1, [13,16) zero, [16,24) LSN, [24,32) synced LSN, [32,40)
// payload checksum (XXH3 seeded with the salt), payload, zeros up to a multiple of 8.
// Version-1 records: [0,8) XXH3 of [8,40+len), [8,12) length, [12] type, [16,24) LSN,
// [24,32) segment number, [32,40) synced LSN, payload; unpadded.

inline constexpr std::size_t kSegmentHeaderSize = 64;
inline constexpr std::size_t kRecordHeaderSize = 40;  // both versions
inline constexpr std::size_t kRecordAlign = 8;        // version 2
inline constexpr std::uint8_t kRecordTypeBatch = 1;

struct SegmentFile {
  std::uint64_t number = 0;
  std::string path;
};
// WAL segment files of dir, by segment number.
std::vector<SegmentFile> wal_segments(const std::string& dir);
// The segment number of a path whose file name is "wal-<16 hex>.log"; false otherwise.
bool segment_number_of(const std::string& path, std::uint64_t* number);
// "wal-<16 hex>.log"
std::string segment_file_name(std::uint64_t number);
// Snapshot files (final names only) of dir, by LSN.
std::vector<std::string> snapshot_files(const std::string& dir);

struct SegmentHeaderInfo {
  std::uint32_t version = 0;
  std::uint64_t number = 0;
  std::uint64_t size = 0;  // the segment's file size, as its header says
  std::uint64_t salt = 0;  // zero in version 1
};
// Decodes the 64-byte header at the start of bytes; false if its magic, size field or
// checksum is wrong.
bool decode_segment_header(std::string_view bytes, SegmentHeaderInfo* out);
// The salt in the header of the segment file at path (the test fails if the header is bad).
std::uint64_t segment_salt(const std::string& path);
// A valid header of either version (version 1 has no salt).
std::string encode_segment_header(std::uint64_t number, std::uint64_t size, std::uint64_t salt);
std::string encode_segment_header_v1(std::uint64_t number, std::uint64_t size);

struct RecordLoc {
  std::string path;
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;  // of the record header in the segment file
  std::uint32_t size = 0;    // bytes the record takes: header, payload and (v2) padding
  std::uint32_t payload_size = 0;
  Lsn lsn = 0;
  Lsn synced_lsn = 0;
  std::string payload;
};

// The genuine records in the bytes of one segment file (header included), from offset 64
// up to the first bad record, in the layout of the header's version (version 2: checked with
// the header's salt). Empty if the header is bad. RecordLoc::path is left empty.
std::vector<RecordLoc> records_in_segment(std::string_view bytes, std::uint64_t segment);

// The genuine records of every segment, in segment then offset order, each segment read up
// to its first bad record (zero header, checksum mismatch, overrun). Does not require LSN
// continuity: tests check that themselves.
std::vector<RecordLoc> read_records(const std::string& dir);
// The records that form the log: read_records() cut at the first LSN that is not previous+1.
std::vector<RecordLoc> log_records(const std::string& dir);

// XXH3-64 of bytes, unseeded (headers, version-1 records) and seeded (version-2 records).
// Seed 0 gives the unseeded hash.
std::uint64_t xxh3(std::string_view bytes);
std::uint64_t xxh3_seeded(std::string_view bytes, std::uint64_t seed);
// Bytes a version-2 record with a payload of this length takes: round_up(40 + len, 8).
std::size_t record_size(std::size_t payload_len);
// A complete version-2 record sealed with `salt`, padding included. (The salt comes last so
// that a call written for the version-1 argument order does not compile.)
std::string encode_record(Lsn lsn, Lsn synced_lsn, std::string_view payload,
                          std::uint64_t salt);
// A complete version-1 record (for tests of the version-1 read path, and as a forgery).
std::string encode_record_v1(Lsn lsn, std::uint64_t segment, Lsn synced_lsn,
                             std::string_view payload);
// Payload (WriteBatch encoding) of a single put.
std::string put_payload(std::string_view key, std::string_view value);
// Recomputes the u64 checksum at [56,64) of a 64-byte segment, snapshot or CONTROL header.
void fix_header_checksum(const std::string& path);
// Rewrites the u32 version of a segment or snapshot header and fixes its checksum.
void set_header_version(const std::string& path, std::uint32_t version);

// CONTROL (64 bytes, docs/design.md): "WALKVCTL", u32 version, u32 64, u64 first segment,
// u64 last segment, u64 durable LSN, u64 snapshot LSN, zeros, u64 XXH3 of [0,56).
struct ControlInfo {
  std::uint32_t version = 0;
  std::uint64_t first_segment = 0;  // lowest segment the log may still need
  std::uint64_t last_segment = 0;   // highest segment that may hold records
  Lsn durable_lsn = 0;              // every LSN <= this was durable when CONTROL was written
  Lsn snapshot_lsn = 0;
};
inline constexpr const char* kControlFileName = "CONTROL";
// False if dir has no CONTROL or it does not decode.
bool read_control(const std::string& dir, ControlInfo* out);
// Rewrites CONTROL in place with a valid checksum (a forgery: the engine replaces it whole).
void write_control(const std::string& dir, const ControlInfo& control);
// CONTROL as a crash before the last writes would have left it: its durable LSN lowered to
// `lsn` (the engine raises it only at segment preparation, checkpoint, open and clean close).
void lower_control_durable_lsn(const std::string& dir, Lsn lsn);

// A file recovery wrote before trimming a torn tail: "dropped-<16 hex segment>-<16 hex
// offset>-<n>.bin" holding the bytes that were at that offset of that segment.
struct DroppedFile {
  std::string name;
  std::string path;
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;
  unsigned n = 0;
};
std::vector<DroppedFile> dropped_files(const std::string& dir);
bool parse_dropped_file_name(std::string_view name, DroppedFile* out);

// Every regular file's bytes, by name (LOCK excluded: its content is the engine's business).
std::map<std::string, std::string> dir_bytes(const std::string& dir);
// What an open may do to the WAL files it found (`before`, from dir_bytes) is zero bytes of
// a torn tail, each only after preserving it in a new dropped-*.bin file that holds exactly
// the bytes that were there, or rename a whole segment to such a file. Returns every other
// change (empty when there is none).
std::vector<std::string> unpreserved_changes(const std::string& dir,
                                             const std::map<std::string, std::string>& before);

// ---------------------------------------------------------------------------------------
// The index

// Every live pair of `index` in key order (through Index::scan_batch, as DB::scan reads it).
// REQUIRES: no write in flight.
SnapshotMap live_pairs(const Index& index);

// ---------------------------------------------------------------------------------------
// Processes

// Forks; the child runs fn and _exits with its result (never returning into Catch). The
// parent gets the child's pid. Only call while this process has no other threads (no DB
// open), so the child starts from a consistent heap.
pid_t fork_child(const std::function<int()>& fn);
// Waits for pid. Returns the exit code, or 128 + signal number if it was killed.
int wait_child(pid_t pid);
// Opens a DB on dir in a forked child, runs fn on it and has the child exit without closing
// the DB: the directory as a process crash right after fn leaves it (no final flush, no
// clean-close update of CONTROL). True if the child opened the DB and fn returned true.
// Only call while this process has no DB open (see fork_child).
bool run_and_crash(const std::string& dir, const Options& options,
                   const std::function<bool(DB&)>& fn);

// Writes 5 durable records then 15 more in one async flush, and crashes (run_and_crash):
// records 6..20 are on disk and were synced by that flush, but they carry synced_lsn 5, so
// none proves a later one durable, and no clean close recorded them in CONTROL. Returns the
// 20 records (the test fails if the directory is not so).
std::vector<RecordLoc> write_unsynced_tail(const std::string& dir);

// A pipe the child writes to and the parent reads from (both ends close on destruction).
class Pipe {
 public:
  Pipe();
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_read();
  void close_write();
  // Writes all of data (child side). False on error.
  bool write_all(std::string_view data);
  // Reads until EOF (parent side).
  std::string read_to_eof();
  // Reads exactly n bytes or until EOF.
  std::string read_n(std::size_t n);

 private:
  int fds_[2] = {-1, -1};
};

// ---------------------------------------------------------------------------------------
// Fault injection

// Injects I/O failures and delays and counts what the engine does. Matching is on the
// operation and on a substring of the path ("wal-" selects WAL segment files).
class FaultHooks : public IoHooks {
 public:
  // From the (skip+1)-th matching operation on, fail each one with errno `err`, `times`
  // times in all (-1: forever).
  void fail(IoOp op, int err, std::string path_part = "wal-", int skip = 0, int times = -1);
  // Makes the next matching write (at least 2 bytes) a short write of half its length.
  void short_write_once(std::string path_part = "wal-");
  // Sleeps `delay` before every matching operation (makes group commit observable).
  void delay(IoOp op, std::chrono::microseconds delay, std::string path_part = "wal-");
  // Stops all injection and delays.
  void disarm();

  int before(const IoEvent& ev) override;
  void after(const IoEvent& ev, int result) override;

  // Operations seen in after() (injected failures included), by kind.
  std::uint64_t count(IoOp op) const;
  std::uint64_t uring_count(IoOp op) const;
  std::uint64_t failures_injected() const;
  std::uint64_t short_writes_injected() const;

 private:
  static constexpr int kOps = kIoOpCount;
  static bool matches(const IoEvent& ev, IoOp op, const std::string& part);

  mutable std::mutex mu_;
  bool fail_armed_ = false;
  IoOp fail_op_ = IoOp::kSync;
  int fail_err_ = 0;
  std::string fail_part_;
  int fail_skip_ = 0;
  int fail_times_ = 0;
  bool short_armed_ = false;
  std::string short_part_;
  bool delay_armed_ = false;
  IoOp delay_op_ = IoOp::kSync;
  std::chrono::microseconds delay_{0};
  std::string delay_part_;
  std::uint64_t counts_[kOps] = {};
  std::uint64_t uring_counts_[kOps] = {};
  std::uint64_t failures_ = 0;
  std::uint64_t shorts_ = 0;
};

}  // namespace walkv::test
