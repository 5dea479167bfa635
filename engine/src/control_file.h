// The control file "CONTROL": a small durable record of how far the log reached, so that
// recovery can tell a log that ends early (damage, a deleted or truncated segment) from one
// that simply ends — evidence no user data can forge and that does not live in the log it
// vouches for (PostgreSQL's pg_control plays the same part).
//
// Layout (64 bytes, little-endian): magic "WALKVCTL", u32 version (1), u32 size (64),
//   u64 first_segment: the lowest segment that may hold records after the snapshot
//   u64 last_segment:  the highest segment that may hold records (raised before any record
//                      goes into a new segment)
//   u64 durable_lsn:   every LSN <= this was durable when the file was written
//   u64 snapshot_lsn:  the newest snapshot written
//   8 zero bytes, u64 XXH3-64 of [0,56).
// Written whole as "CONTROL.tmp", fdatasync'd, renamed over "CONTROL", directory fsynced:
// the file is always one complete version. Updated when a segment is prepared, at each
// checkpoint, after recovery and at a clean close — never per commit.
//
// Thread safety: ControlFile is internally synchronized.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "file_io.h"
#include "walkv/options.h"

namespace walkv {

struct ControlState {
  std::uint64_t first_segment = 0;
  std::uint64_t last_segment = 0;
  Lsn durable_lsn = 0;
  Lsn snapshot_lsn = 0;
};

namespace format {
inline constexpr std::size_t kControlSize = 64;
std::string encode_control(const ControlState& c);
// False with a reason if the bytes are not a valid control file.
bool decode_control(std::string_view bytes, ControlState* out, std::string* reason);
}  // namespace format

// Reads dir/CONTROL: OK with *exists false if there is none; Corruption naming the file if
// it is damaged; NotSupported if its version is newer.
Status read_control(const FileSystem& fs, const std::string& dir, ControlState* out,
                    bool* exists);

class ControlFile {
 public:
  ControlFile(const FileSystem& fs, std::string dir, ControlState initial)
      : fs_(fs), dir_(std::move(dir)), state_(initial) {}
  ControlFile(const ControlFile&) = delete;
  ControlFile& operator=(const ControlFile&) = delete;

  // Replaces the recorded state and makes it durable before returning.
  Status write(const ControlState& state);
  // Raises each field to at least `at_least`'s (first_segment too: it only moves forward)
  // and makes the result durable; no write if nothing changes.
  Status advance(const ControlState& at_least);
  // The file already holds `state` (read at open): later advances start from it.
  void assume(const ControlState& state);
  ControlState state() const;

 private:
  Status write_locked(const ControlState& state);

  const FileSystem& fs_;
  const std::string dir_;
  mutable std::mutex mu_;
  ControlState state_;  // GUARDED_BY(mu_)
};

}  // namespace walkv
