#include "flush_backend.h"

namespace walkv {

namespace {

class PosixBackend final : public FlushBackend {
 public:
  explicit PosixBackend(const FileSystem& fs) : fs_(fs) {}
  const char* name() const override { return "posix"; }

  Status write_and_sync(std::span<const FlushChunk> chunks, std::uint64_t* fsyncs) override {
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const FlushChunk& c = chunks[i];
      const Segment& seg = *c.segment;
      if (Status s = fs_.write_at(seg.fd.get(), seg.path, c.offset, c.data); !s.ok()) return s;
      bool last_of_segment = i + 1 == chunks.size() || chunks[i + 1].segment != c.segment;
      if (last_of_segment) {
        ++*fsyncs;
        if (Status s = fs_.datasync(seg.fd.get(), seg.path); !s.ok()) return s;
      }
    }
    return Status::OK();
  }

  Status write(std::span<const FlushChunk> chunks) override {
    for (const FlushChunk& c : chunks) {
      if (Status s = fs_.write_at(c.segment->fd.get(), c.segment->path, c.offset, c.data);
          !s.ok())
        return s;
    }
    return Status::OK();
  }

 private:
  const FileSystem& fs_;
};

}  // namespace

std::unique_ptr<FlushBackend> make_posix_backend(const FileSystem& fs) {
  return std::make_unique<PosixBackend>(fs);
}

}  // namespace walkv
