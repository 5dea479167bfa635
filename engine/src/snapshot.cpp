#include "snapshot.h"

#include <filesystem>
#include <new>

#include <xxhash.h>

#include <cstring>
#include <memory>

#include "coding.h"
#include "file_header.h"
#include "index_cut.h"
#include "record_format.h"

namespace walkv {

namespace {

// Write-behind for a file written front to back: each window of kWindow bytes is handed to
// writeback as soon as it is written, and the one before it is waited for, so that at most
// two windows are dirty at a time, and the final fdatasync never sends the whole snapshot
// ahead of the WAL's. Without it a sync put waited up to 81-146 ms during a 2M-key
// checkpoint, with it 13-14 ms (docs/performance.md, "Checkpoints"; BM_Checkpoint's
// during_max_us guards it). PostgreSQL's checkpoint_flush_after does the same. Waiting consumes the file's write error, so every error is returned: the final
// fdatasync would no longer see it.
class WriteBehind {
 public:
  WriteBehind(const FileSystem& fs, int fd, const std::string& path)
      : fs_(fs), fd_(fd), path_(path) {}
  Status written_up_to(std::uint64_t end) {
    while (end - started_ >= kWindow) {
      if (Status s = fs_.writeback(fd_, path_, started_, kWindow, false); !s.ok()) return s;
      if (started_ >= kWindow)
        if (Status s = fs_.writeback(fd_, path_, started_ - kWindow, kWindow, true); !s.ok())
          return s;
      started_ += kWindow;
    }
    return Status::OK();
  }

 private:
  static constexpr std::uint64_t kWindow = std::uint64_t{1} << 20;
  const FileSystem& fs_;
  int fd_;
  const std::string& path_;
  std::uint64_t started_ = 0;
};

struct HashStateDeleter {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};

std::string encode_header(std::uint64_t lsn, std::uint64_t count) {
  format::FileHeader h;
  h.version = kSnapshotVersion;
  h.field[0] = lsn;
  h.field[1] = count;
  return format::encode_file_header(kSnapshotMagic, h);
}

}  // namespace

namespace {

Status write_snapshot_file(const FileSystem& fs, const std::string& dir, std::uint64_t lsn,
                           const IndexCut& cut, const std::string& path,
                           const std::string& tmp) {
  auto fd = fs.create(tmp, true);
  if (!fd.ok()) return fd.status();

  std::unique_ptr<XXH3_state_t, HashStateDeleter> state(XXH3_createState());
  XXH3_64bits_reset(state.get());
  std::uint64_t offset = 0;
  std::string buf = encode_header(lsn, cut.size());
  WriteBehind behind(fs, fd->get(), tmp);
  auto flush_buf = [&](bool hash_it) -> Status {
    if (hash_it) XXH3_64bits_update(state.get(), buf.data(), buf.size());
    Status s = fs.write_at(fd->get(), tmp, offset, buf);
    offset += buf.size();
    buf.clear();
    return s.ok() ? behind.written_up_to(offset) : s;
  };
  if (Status s = flush_buf(false); !s.ok()) return s;
  constexpr std::size_t kChunk = 1 << 20;
  Status entries = cut.for_each([&](std::string_view k, std::string_view v) {
    append_varint32(&buf, static_cast<std::uint32_t>(k.size()));
    buf.append(k);
    append_varint32(&buf, static_cast<std::uint32_t>(v.size()));
    buf.append(v);
    return buf.size() >= kChunk ? flush_buf(true) : Status::OK();
  });
  if (!entries.ok()) return entries;
  if (Status s = flush_buf(true); !s.ok()) return s;
  buf.resize(8);
  put_u64(buf.data(), XXH3_64bits_digest(state.get()));
  if (Status s = flush_buf(false); !s.ok()) return s;
  if (Status s = fs.datasync(fd->get(), tmp); !s.ok()) return s;
  fd->reset();
  if (Status s = fs.rename(tmp, path); !s.ok()) return s;
  return fs.sync_dir(dir);
}

}  // namespace

Status write_snapshot(const FileSystem& fs, const std::string& dir, std::uint64_t lsn,
                      const IndexCut& cut) {
  const std::string path = join_path(dir, format::snapshot_file_name(lsn));
  const std::string tmp = path + ".tmp";
  Status s = write_snapshot_file(fs, dir, lsn, cut, path, tmp);
  // A failed snapshot's partial file would hold, for the life of the process, space the
  // next segment may need (a full disk is the likeliest failure).
  if (!s.ok()) (void)fs.unlink(tmp);
  return s;
}

Status load_snapshot(const FileSystem& fs, const std::string& path, std::uint64_t* lsn,
                     SnapshotMap* out) {
  std::string data;
  // A snapshot is as large as the data; only its length fields are distrusted.
  try {
    if (Status s = fs.read_file(path, &data, UINT64_MAX); !s.ok()) return s;
  } catch (const std::bad_alloc&) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return Status::IOError("snapshot " + path + ": out of memory reading its " +
                           (ec ? std::string("?") : std::to_string(size)) + " bytes");
  }
  auto corrupt = [&](const char* why) {
    return Status::Corruption("snapshot " + path + ": " + why);
  };
  if (data.size() < kSnapshotHeaderSize + 8) return corrupt("file too short");
  format::FileHeader hdr;
  switch (format::decode_file_header(data, kSnapshotMagic, &hdr)) {
    case format::HeaderCheck::kOk: break;
    case format::HeaderCheck::kShort: return corrupt("file too short");
    case format::HeaderCheck::kBadMagic: return corrupt("bad magic");
    case format::HeaderCheck::kBadChecksum: return corrupt("header checksum mismatch");
    case format::HeaderCheck::kBadSize: return corrupt("unexpected header size");
  }
  if (hdr.version > kSnapshotVersion) {
    return Status::NotSupported("snapshot " + path + " has format version " +
                                std::to_string(hdr.version) + ", newer than this build's " +
                                std::to_string(kSnapshotVersion) + ": upgrade walkv");
  }
  std::string_view body(data.data() + kSnapshotHeaderSize,
                        data.size() - kSnapshotHeaderSize - 8);
  if (get_u64(data.data() + data.size() - 8) != XXH3_64bits(body.data(), body.size()))
    return corrupt("body checksum mismatch");
  const std::uint64_t count = hdr.field[1];
  out->clear();
  std::size_t pos = 0;
  std::string_view k, v, prev;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!get_length_prefixed(body, &pos, &k) || !get_length_prefixed(body, &pos, &v))
      return corrupt("entry runs past the end");
    if (k.empty() || (i > 0 && k <= prev)) return corrupt("keys out of order");
    out->emplace_hint(out->end(), k, v);
    prev = k;
  }
  if (pos != body.size()) return corrupt("trailing bytes after the last entry");
  *lsn = hdr.field[0];
  return Status::OK();
}

}  // namespace walkv
