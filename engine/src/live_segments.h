// The closed segments that still hold live records (not yet covered by a snapshot), oldest
// first, and how many bytes they take: the part of the log a checkpoint can retire.
//
// A segment is covered once all its records are <= the snapshot's LSN and durable — a
// later segment exists, so its records were flushed before any of the later one's.
// Thread safety: none; CommitLog guards it with its mutex.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "log_start.h"

namespace walkv {

class LiveSegments {
 public:
  explicit LiveSegments(std::vector<LiveSegment> closed) : closed_(std::move(closed)) {
    for (const auto& s : closed_) bytes_ += s.bytes;
  }

  // The current segment was closed (it is full): its last record and the bytes it holds.
  void close(LiveSegment s) {
    bytes_ += s.bytes;
    closed_.push_back(std::move(s));
  }
  // Forgets the oldest segments whose records are all <= lsn and <= durable; returns their
  // paths for deletion.
  std::vector<std::string> release_covered(Lsn lsn, Lsn durable) {
    std::vector<std::string> paths;
    std::size_t keep = 0;
    while (keep < closed_.size() && closed_[keep].last_lsn <= lsn &&
           closed_[keep].last_lsn <= durable) {
      paths.push_back(closed_[keep].path);
      bytes_ -= closed_[keep].bytes;
      ++keep;
    }
    closed_.erase(closed_.begin(), closed_.begin() + static_cast<std::ptrdiff_t>(keep));
    return paths;
  }
  // The oldest closed segment's number, or `current` if none is closed.
  std::uint64_t first_number(std::uint64_t current) const {
    return closed_.empty() ? current : closed_.front().number;
  }
  std::uint64_t bytes() const { return bytes_; }
  std::size_t count() const { return closed_.size(); }

 private:
  std::vector<LiveSegment> closed_;
  std::uint64_t bytes_ = 0;
};

}  // namespace walkv
