#include "control_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "file_header.h"
#include "record_format.h"

namespace walkv {

namespace {
constexpr char kControlMagic[8] = {'W', 'A', 'L', 'K', 'V', 'C', 'T', 'L'};
constexpr std::uint32_t kControlVersion = 1;
}  // namespace

namespace format {

std::string encode_control(const ControlState& c) {
  FileHeader h;
  h.version = kControlVersion;
  h.field[0] = c.first_segment;
  h.field[1] = c.last_segment;
  h.field[2] = c.durable_lsn;
  h.field[3] = c.snapshot_lsn;
  return encode_file_header(kControlMagic, h);
}

bool decode_control(std::string_view b, ControlState* out, std::string* reason) {
  if (b.size() != kControlSize) {
    *reason = "is " + std::to_string(b.size()) + " bytes, not " + std::to_string(kControlSize);
    return false;
  }
  FileHeader h;
  switch (decode_file_header(b, kControlMagic, &h)) {
    case HeaderCheck::kOk: break;
    case HeaderCheck::kShort: *reason = "truncated"; return false;
    case HeaderCheck::kBadMagic: *reason = "bad magic"; return false;
    case HeaderCheck::kBadChecksum: *reason = "checksum mismatch"; return false;
    case HeaderCheck::kBadSize: *reason = "unexpected header size"; return false;
  }
  if (h.version != kControlVersion) {
    *reason = "unknown version " + std::to_string(h.version);
    return false;
  }
  out->first_segment = h.field[0];
  out->last_segment = h.field[1];
  out->durable_lsn = h.field[2];
  out->snapshot_lsn = h.field[3];
  return true;
}

}  // namespace format

Status read_control(const FileSystem& fs, const std::string& dir, ControlState* out,
                    bool* exists) {
  const std::string path = join_path(dir, format::kControlFileName);
  *exists = false;
  std::string bytes;
  // Larger than any control file: a huge file under this name is damage, not a read.
  Status s = fs.read_file(path, &bytes, 4096);
  if (s.IsIOError() && s.sys_errno() == ENOENT) return Status::OK();
  if (!s.ok()) return s;  // Corruption names the file: too large, or not a regular file
  *exists = true;
  std::string why;
  if (!format::decode_control(bytes, out, &why)) return Status::Corruption(path + ": " + why);
  return Status::OK();
}

Status ControlFile::write(const ControlState& state) {
  std::lock_guard lk(mu_);
  return write_locked(state);
}

Status ControlFile::advance(const ControlState& at_least) {
  std::lock_guard lk(mu_);
  ControlState next = state_;
  next.first_segment = std::max(next.first_segment, at_least.first_segment);
  next.last_segment = std::max(next.last_segment, at_least.last_segment);
  next.durable_lsn = std::max(next.durable_lsn, at_least.durable_lsn);
  next.snapshot_lsn = std::max(next.snapshot_lsn, at_least.snapshot_lsn);
  if (std::memcmp(&next, &state_, sizeof next) == 0) return Status::OK();
  return write_locked(next);
}

void ControlFile::assume(const ControlState& state) {
  std::lock_guard lk(mu_);
  state_ = state;
}

ControlState ControlFile::state() const {
  std::lock_guard lk(mu_);
  return state_;
}

Status ControlFile::write_locked(const ControlState& state) {
  const std::string path = join_path(dir_, format::kControlFileName);
  const std::string tmp = path + ".tmp";
  auto fd = fs_.create(tmp, true);
  if (!fd.ok()) return fd.status();
  Status s = fs_.write_at(fd->get(), tmp, 0, format::encode_control(state));
  if (s.ok()) s = fs_.datasync(fd->get(), tmp);
  if (s.ok()) s = fs_.rename(tmp, path);
  if (s.ok()) s = fs_.sync_dir(dir_);
  if (!s.ok()) {
    (void)fs_.unlink(tmp);
    return s;
  }
  state_ = state;
  return Status::OK();
}

}  // namespace walkv
