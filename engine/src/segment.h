// WAL segment files and the manager that keeps the next one ready.
//
// Why prepared segments: on ext4, fdatasync after a write that grows a file or converts an
// unwritten (fallocated) extent must commit the metadata journal — measured here at about
// 130 µs instead of 90 µs. So a segment is created as "<name>.tmp", fully zero-filled,
// given its header, fdatasync'd, renamed to its final name and the directory fsynced —
// all before any record goes in. Commits then overwrite allocated, written blocks of a file
// whose size never changes, and the new file's directory entry is durable before any
// record in it is acknowledged. Covered segments are deleted, not recycled: a recycled file
// would keep valid-looking records of its old life, and every tail check would have to tell
// those from torn new ones. Zero-filling costs one sequential write per segment, off the
// commit path (a background thread keeps the next segment ready).
//
// Thread safety: SegmentManager is internally synchronized; take_next() may block while
// the background thread finishes the spare.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "control_file.h"
#include "file_io.h"

namespace walkv {

struct Segment {
  std::uint64_t number = 0;
  std::string path;
  std::uint64_t size = 0;  // file size: records never go past it
  std::uint64_t salt = 0;  // seeds its records' checksums (record_format.h)
  UniqueFd fd;
};

class SegmentManager {
 public:
  // Each segment prepared raises `control`'s last segment to it (and its durable LSN to
  // durable(), if given) before the segment is handed out: CONTROL always names every
  // segment that may hold records.
  SegmentManager(const FileSystem& fs, std::string dir, std::uint64_t segment_bytes,
                 std::uint64_t next_number, ControlFile& control);
  // What CONTROL's durable LSN is raised to when a segment is prepared. Call before start().
  void set_durable_source(std::function<Lsn()> durable) { durable_ = std::move(durable); }
  ~SegmentManager();
  SegmentManager(const SegmentManager&) = delete;
  SegmentManager& operator=(const SegmentManager&) = delete;

  // Adopts an existing, already prepared and empty segment file as the spare.
  void adopt_spare(std::shared_ptr<Segment> spare);
  // Starts the background thread that prepares spares on request.
  void start();
  // Stops and joins the background thread; take_next() prepares inline afterwards. The
  // durable source is not called once this returns. Idempotent.
  void stop();
  // Asks the background thread to prepare the next segment now (the current one is half
  // full). Preparing on request, not at once, keeps the zero-fill's disk traffic away from
  // the commits of a database that writes little.
  void request_spare();
  // The next segment, ready for records (prepared, synced, directory entry durable).
  Result<std::shared_ptr<Segment>> take_next();

 private:
  Result<std::shared_ptr<Segment>> prepare(std::uint64_t number);
  void run();

  const FileSystem& fs_;
  const std::string dir_;
  const std::uint64_t segment_bytes_;
  ControlFile& control_;
  std::function<Lsn()> durable_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t next_number_;                // GUARDED_BY(mu_)
  std::shared_ptr<Segment> spare_;           // GUARDED_BY(mu_)
  Status spare_error_;                       // GUARDED_BY(mu_)
  bool preparing_ = false;                   // GUARDED_BY(mu_)
  bool requested_ = false;                   // GUARDED_BY(mu_)
  bool stop_ = false;                        // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace walkv
