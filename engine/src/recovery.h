// Recovery: newest valid snapshot + the WAL after it, then the torn tail trimmed on disk.
//
// Order of work: delete leftover *.tmp files (never complete by construction); load the
// newest snapshot that verifies (a newer format version is an error, not a fallback);
// replay the in-sequence WAL records after it into the index (wal_reader decides where the
// log ends); refuse to open if the damage is provably inside durable data; otherwise zero
// the dropped bytes of the tail segment, delete later segments that hold data, fdatasync the
// tail so everything recovered is durable, and report what was dropped.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "commit_log.h"
#include "file_io.h"
#include "index.h"
#include "walkv/db.h"

namespace walkv {

struct Recovered {
  Lsn snapshot_lsn = 0;
  CommitLog::Start start;             // start.tail is null when no segment exists yet
  std::shared_ptr<Segment> spare;     // an untouched prepared segment after the tail
  std::uint64_t next_segment_number = 1;
  RecoveryReport report;
};

using LogFn = std::function<void(LogLevel, std::string_view)>;

Status recover(const FileSystem& fs, const std::string& dir, Index* index, Recovered* out,
               const LogFn& log, bool skip_bad_records);

}  // namespace walkv
