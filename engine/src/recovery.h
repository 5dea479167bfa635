// Recovery: acts on the judgement of recovery_plan.h — newest valid snapshot + the WAL
// after it replayed into the index — and leaves the directory ready for new writes.
//
// Order of work, each step durable before the next, so that a crash at any point leaves a
// directory the next open judges the same way:
//   1. delete leftover *.tmp files of walkv's own names (never complete by construction);
//   2. judge (recovery_plan.h); refuse on Corruption, NotSupported or IOError;
//   3. preserve the torn tail: copy the dropped bytes of the tail segment to a
//      dropped-*.bin file (fdatasync'd, directory fsynced);
//   4. trim: zero those bytes in the tail segment and fdatasync it, which also makes every
//      recovered record durable;
//   5. rewrite CONTROL: the log spans the kept segments and is durable through the last
//      recovered LSN;
//   6. rename later segments that hold bytes to dropped-*.bin files, delete empty ones that
//      are not the next spare, fsync the directory.
// A version-1 tail segment is kept for reading only: new records go to a new version-2
// segment, and the next checkpoint retires the old ones.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "control_file.h"
#include "file_io.h"
#include "index.h"
#include "log_start.h"
#include "walkv/db.h"

namespace walkv {

struct Recovered {
  Lsn snapshot_lsn = 0;
  LogStart start;                     // start.tail is null when new records need a segment
  std::shared_ptr<Segment> spare;     // an untouched prepared segment after the tail
  std::uint64_t next_segment_number = 1;
  RecoveryReport report;
};

using LogFn = std::function<void(LogLevel, std::string_view)>;

// Recovers dir into index and writes the resulting state through control.
Status recover(const FileSystem& fs, const std::string& dir, Index* index, ControlFile* control,
               Recovered* out, const LogFn& log);

}  // namespace walkv
