// What recovery hands the commit log: where the log stands on disk. Its own header so that
// recovery does not depend on the commit log's machinery.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "segment.h"
#include "walkv/options.h"

namespace walkv {

// A WAL segment that holds live records (not yet covered by a snapshot).
struct LiveSegment {
  std::uint64_t number = 0;
  std::string path;
  Lsn last_lsn = 0;          // newest record in it (0: none)
  std::uint64_t bytes = 0;   // bytes used (header included)
};

// Where recovery left the log: the segment and offset new records go to (tail is null when
// new records need a fresh segment), the live segments before it, and the last LSN (already
// durable: recovery fdatasyncs the tail).
struct LogStart {
  Lsn last_lsn = 0;
  std::shared_ptr<Segment> tail;
  std::uint64_t tail_offset = 0;
  std::vector<LiveSegment> closed;
};

}  // namespace walkv
