#include "segment.h"

#include <cerrno>

#include "record_format.h"

namespace walkv {

SegmentManager::SegmentManager(const FileSystem& fs, std::string dir,
                               std::uint64_t segment_bytes, std::uint64_t next_number,
                               ControlFile& control)
    : fs_(fs),
      dir_(std::move(dir)),
      segment_bytes_(segment_bytes),
      control_(control),
      next_number_(next_number) {}

SegmentManager::~SegmentManager() { stop(); }

void SegmentManager::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SegmentManager::adopt_spare(std::shared_ptr<Segment> spare) {
  std::lock_guard lk(mu_);
  next_number_ = spare->number + 1;
  spare_ = std::move(spare);
}

void SegmentManager::start() { thread_ = std::thread([this] { run(); }); }

void SegmentManager::request_spare() {
  {
    std::lock_guard lk(mu_);
    if (requested_ || spare_) return;
    requested_ = true;
  }
  cv_.notify_all();
}

Result<std::shared_ptr<Segment>> SegmentManager::take_next() {
  std::unique_lock lk(mu_);
  if (!thread_.joinable()) {  // not started (recovery, tests): prepare inline
    if (!spare_) {
      std::uint64_t n = next_number_++;
      lk.unlock();
      auto seg = prepare(n);
      if (!seg.ok()) {  // give the space back and the number too
        (void)fs_.unlink(join_path(dir_, format::segment_file_name(n)) + ".tmp");
        lk.lock();
        --next_number_;
      }
      return seg;
    }
  }
  if (!spare_ && !preparing_) requested_ = true;
  cv_.notify_all();
  cv_.wait(lk, [&] { return spare_ || !spare_error_.ok() || (!preparing_ && stop_); });
  if (!spare_) {
    Status s = spare_error_.ok() ? Status::Failed("segment manager stopped") : spare_error_;
    spare_error_ = Status::OK();  // let the thread try again next time
    cv_.notify_all();
    return s;
  }
  auto seg = std::move(spare_);
  spare_.reset();
  return seg;
}

void SegmentManager::run() {
  std::unique_lock lk(mu_);
  while (true) {
    cv_.wait(lk, [&] { return stop_ || (requested_ && !spare_ && spare_error_.ok()); });
    if (stop_) return;
    requested_ = false;
    std::uint64_t n = next_number_++;
    preparing_ = true;
    lk.unlock();
    auto seg = prepare(n);
    if (!seg.ok()) (void)fs_.unlink(join_path(dir_, format::segment_file_name(n)) + ".tmp");
    lk.lock();
    preparing_ = false;
    if (seg.ok()) {
      spare_ = std::move(seg.value());
    } else {
      spare_error_ = seg.status();
      --next_number_;  // the number was not used; a retry reuses it
    }
    cv_.notify_all();
  }
}

Result<std::shared_ptr<Segment>> SegmentManager::prepare(std::uint64_t number) {
  auto seg = std::make_shared<Segment>();
  seg->number = number;
  seg->path = join_path(dir_, format::segment_file_name(number));
  const std::string tmp = seg->path + ".tmp";

  auto fd = fs_.create(tmp, true);
  if (!fd.ok()) return fd.status();
  // Blocks reserved up front where the file system can (ENOSPC now, not mid-segment);
  // elsewhere the zero fill below allocates them, one sequential write of the segment.
  if (Status s = fs_.fallocate(fd->get(), tmp, 0, segment_bytes_);
      !s.ok() && s.sys_errno() != EOPNOTSUPP && s.sys_errno() != ENOSYS)
    return s;
  const std::string zeros(std::size_t{1} << 20, '\0');
  for (std::uint64_t off = 0; off < segment_bytes_; off += zeros.size()) {
    std::uint64_t n = std::min<std::uint64_t>(zeros.size(), segment_bytes_ - off);
    if (Status s = fs_.write_at(fd->get(), tmp, off, std::string_view(zeros).substr(0, n));
        !s.ok())
      return s;
  }
  seg->salt = format::new_salt();
  if (Status s = fs_.write_at(fd->get(), tmp, 0,
                              format::encode_segment_header(number, segment_bytes_, seg->salt));
      !s.ok())
    return s;
  if (Status s = fs_.datasync(fd->get(), tmp); !s.ok()) return s;
  if (Status s = fs_.rename(tmp, seg->path); !s.ok()) return s;
  if (Status s = fs_.sync_dir(dir_); !s.ok()) return s;
  // After the file is durable under its name (a CONTROL naming a segment that a crash could
  // take away would refuse the next open), before any record can go into it.
  ControlState at_least;
  at_least.last_segment = number;
  if (durable_) at_least.durable_lsn = durable_();
  if (Status s = control_.advance(at_least); !s.ok()) return s;
  seg->fd = std::move(fd.value());
  seg->size = segment_bytes_;
  return seg;
}

}  // namespace walkv
