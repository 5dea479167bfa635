// io_uring flush: one linked chain "write, write, ..., fdatasync" per segment touched, so the
// kernel starts the fdatasync only after the writes it must cover have completed (and
// cancels it if one fails). The ring is private to the flushing thread's calls; the chain is
// at most a handful of entries (a flush spans at most two segments).
#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "flush_backend.h"

namespace walkv {

namespace {

constexpr unsigned kRingEntries = 16;

struct Op {
  bool is_sync;
  const Segment* segment;
  std::uint64_t offset;
  std::string_view data;  // remaining bytes for a write
};

class UringBackend final : public FlushBackend {
 public:
  UringBackend(const FileSystem& fs, io_uring ring) : fs_(fs), ring_(ring) {}
  ~UringBackend() override { io_uring_queue_exit(&ring_); }
  const char* name() const override { return "io_uring"; }

  Status write_and_sync(std::span<const FlushChunk> chunks, std::uint64_t* fsyncs) override {
    return run(chunks, true, fsyncs);
  }
  Status write(std::span<const FlushChunk> chunks) override {
    std::uint64_t none = 0;
    return run(chunks, false, &none);
  }

 private:
  Status run(std::span<const FlushChunk> chunks, bool sync, std::uint64_t* fsyncs) {
    std::vector<Op> ops;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      if (!chunks[i].data.empty())
        ops.push_back({false, chunks[i].segment, chunks[i].offset, chunks[i].data});
      if (sync && (i + 1 == chunks.size() || chunks[i + 1].segment != chunks[i].segment))
        ops.push_back({true, chunks[i].segment, 0, {}});
    }
    std::size_t next = 0;
    while (next < ops.size()) {
      std::size_t n = std::min<std::size_t>(ops.size() - next, kRingEntries);
      if (Status s = run_chain(&ops, next, n, fsyncs, &next); !s.ok()) return s;
    }
    return Status::OK();
  }

  IoEvent event_for(const Op& op) const {
    IoEvent ev{op.is_sync ? IoOp::kSync : IoOp::kWrite, op.segment->path};
    ev.fd = op.segment->fd.get();
    ev.offset = op.offset;
    ev.length = op.data.size();
    ev.data = op.data.data();
    ev.via_uring = true;
    return ev;
  }

  // Submits ops[first, first+n) as one linked chain and reaps it. On return *resume is the
  // first op not yet complete (a short write is trimmed to its remainder).
  Status run_chain(std::vector<Op>* ops, std::size_t first, std::size_t n, std::uint64_t* fsyncs,
                   std::size_t* resume) {
    IoHooks* hooks = fs_.hooks();
    // Ask the hooks first: an injected failure ends the chain before that op.
    std::size_t submitted = 0;
    int injected = 0;
    std::vector<std::uint64_t> lengths(n);
    for (; submitted < n; ++submitted) {
      const Op& op = (*ops)[first + submitted];
      std::uint64_t len = op.data.size();
      if (hooks) {
        int verdict = hooks->before(event_for(op));
        if (verdict > 0) {
          injected = verdict;
          break;
        }
        if (verdict < 0 && !op.is_sync && static_cast<std::uint64_t>(-verdict) < len)
          len = static_cast<std::uint64_t>(-verdict);
      }
      lengths[submitted] = len;
    }
    std::vector<io_uring_sqe*> sqes(submitted);
    for (std::size_t i = 0; i < submitted; ++i) {
      const Op& op = (*ops)[first + i];
      io_uring_sqe* sqe = sqes[i] = io_uring_get_sqe(&ring_);
      if (op.is_sync) {
        io_uring_prep_fsync(sqe, op.segment->fd.get(), IORING_FSYNC_DATASYNC);
        ++*fsyncs;
      } else {
        io_uring_prep_write(sqe, op.segment->fd.get(), op.data.data(),
                            static_cast<unsigned>(lengths[i]), op.offset);
      }
      sqe->user_data = i;
      if (i + 1 < submitted) sqe->flags |= IOSQE_IO_LINK;
    }

    if (hooks && submitted > 0) {
      std::vector<UringSqe> seen(submitted);
      for (std::size_t i = 0; i < submitted; ++i) {
        seen[i].opcode = sqes[i]->opcode;
        seen[i].flags = sqes[i]->flags;
        seen[i].fd = sqes[i]->fd;
        seen[i].offset = sqes[i]->off;
        seen[i].length = sqes[i]->len;
        seen[i].op_flags = sqes[i]->fsync_flags;
      }
      hooks->uring_submit(seen.data(), seen.size());
    }
    std::vector<int> results(submitted, -ECANCELED);
    if (submitted > 0) {
      int rc;
      do {
        rc = io_uring_submit_and_wait(&ring_, static_cast<unsigned>(submitted));
      } while (rc == -EINTR);
      if (rc < 0) return Status::IOError("io_uring_submit", (*ops)[first].segment->path, -rc);
      for (std::size_t reaped = 0; reaped < submitted; ++reaped) {
        io_uring_cqe* cqe = nullptr;
        int w;
        do {
          w = io_uring_wait_cqe(&ring_, &cqe);
        } while (w == -EINTR);
        if (w < 0) return Status::IOError("io_uring_wait_cqe", (*ops)[first].segment->path, -w);
        results[cqe->user_data] = cqe->res;
        io_uring_cqe_seen(&ring_, cqe);
      }
    }

    // Walk the chain in order: the first failure decides.
    for (std::size_t i = 0; i < submitted; ++i) {
      Op& op = (*ops)[first + i];
      int res = results[i];
      int err = res < 0 ? -res : 0;
      if (!op.is_sync && res == 0 && lengths[i] > 0) err = ENOSPC;  // no progress
      if (hooks) {
        IoEvent ev = event_for(op);
        ev.length = lengths[i];
        hooks->after(ev, err);
      }
      if (err) {
        const char* what = op.is_sync ? "fdatasync (io_uring)" : "write (io_uring)";
        return Status::IOError(what, op.segment->path, err);
      }
      if (!op.is_sync && static_cast<std::uint64_t>(res) < op.data.size()) {
        // Short write: later links were cancelled. Resume from the remainder (report the
        // cancelled ones to the hooks as not done).
        op.offset += static_cast<std::uint64_t>(res);
        op.data.remove_prefix(static_cast<std::size_t>(res));
        for (std::size_t j = i + 1; j < submitted && hooks; ++j) {
          IoEvent ev = event_for((*ops)[first + j]);
          hooks->after(ev, ECANCELED);
        }
        *resume = first + i;
        return Status::OK();
      }
    }
    if (injected) {
      const Op& op = (*ops)[first + submitted];
      if (hooks) hooks->after(event_for(op), injected);
      return Status::IOError(op.is_sync ? "fdatasync (io_uring)" : "write (io_uring)",
                             op.segment->path, injected);
    }
    *resume = first + submitted;
    return Status::OK();
  }

  const FileSystem& fs_;
  io_uring ring_;
};

}  // namespace

Result<std::unique_ptr<FlushBackend>> make_uring_backend(const FileSystem& fs) {
  io_uring ring;
  int rc = io_uring_queue_init(kRingEntries, &ring, 0);
  if (rc < 0) return Status::NotSupported(std::string("io_uring_queue_init: ") + std::strerror(-rc));
  // A NOP round trip: io_uring_setup can succeed where io_uring_enter is filtered.
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_nop(sqe);
  io_uring_cqe* cqe = nullptr;
  rc = io_uring_submit_and_wait(&ring, 1);
  if (rc >= 0) rc = io_uring_wait_cqe(&ring, &cqe);
  if (rc < 0 || cqe->res < 0) {
    int err = rc < 0 ? -rc : -cqe->res;
    io_uring_queue_exit(&ring);
    return Status::NotSupported(std::string("io_uring probe: ") + std::strerror(err));
  }
  io_uring_cqe_seen(&ring, cqe);
  return std::unique_ptr<FlushBackend>(std::make_unique<UringBackend>(fs, ring));
}

}  // namespace walkv
