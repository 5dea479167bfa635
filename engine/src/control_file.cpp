#include "control_file.h"

#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "coding.h"
#include "record_format.h"

namespace walkv {

namespace {
constexpr char kControlMagic[8] = {'W', 'A', 'L', 'K', 'V', 'C', 'T', 'L'};
constexpr std::uint32_t kControlVersion = 1;
constexpr std::size_t kChecksumOffset = 56;
}  // namespace

namespace format {

std::string encode_control(const ControlState& c) {
  std::string b(kControlSize, '\0');
  std::memcpy(b.data(), kControlMagic, 8);
  put_u32(b.data() + 8, kControlVersion);
  put_u32(b.data() + 12, kControlSize);
  put_u64(b.data() + 16, c.first_segment);
  put_u64(b.data() + 24, c.last_segment);
  put_u64(b.data() + 32, c.durable_lsn);
  put_u64(b.data() + 40, c.snapshot_lsn);
  put_u64(b.data() + kChecksumOffset, XXH3_64bits(b.data(), kChecksumOffset));
  return b;
}

bool decode_control(std::string_view b, ControlState* out, std::string* reason) {
  if (b.size() != kControlSize) {
    *reason = "is " + std::to_string(b.size()) + " bytes, not " + std::to_string(kControlSize);
    return false;
  }
  if (std::memcmp(b.data(), kControlMagic, 8) != 0) {
    *reason = "bad magic";
    return false;
  }
  if (get_u64(b.data() + kChecksumOffset) != XXH3_64bits(b.data(), kChecksumOffset)) {
    *reason = "checksum mismatch";
    return false;
  }
  if (get_u32(b.data() + 8) != kControlVersion || get_u32(b.data() + 12) != kControlSize) {
    *reason = "unknown version " + std::to_string(get_u32(b.data() + 8));
    return false;
  }
  out->first_segment = get_u64(b.data() + 16);
  out->last_segment = get_u64(b.data() + 24);
  out->durable_lsn = get_u64(b.data() + 32);
  out->snapshot_lsn = get_u64(b.data() + 40);
  if (out->first_segment > out->last_segment) {
    *reason = "first segment " + std::to_string(out->first_segment) + " after last segment " +
              std::to_string(out->last_segment);
    return false;
  }
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
