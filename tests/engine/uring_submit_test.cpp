// What the io_uring flusher really submits: every chain is its writes followed by an
// fdatasync of the same file, linked so the kernel runs the fdatasync only after the writes
// (and cancels it if one fails). The I/O hooks' before()/after() only hear what the engine
// says it does; this reads the submission entries themselves.
#include <catch2/catch.hpp>

#include <liburing.h>

#include <mutex>
#include <vector>

#include "test_util.h"
#include "walkv/db.h"
#include "walkv/io_hooks.h"

namespace walkv::test {
namespace {

class SqeRecorder : public IoHooks {
 public:
  void uring_submit(const UringSqe* sqes, std::size_t n) override {
    std::lock_guard lk(mu_);
    chains_.emplace_back(sqes, sqes + n);
  }
  std::vector<std::vector<UringSqe>> chains() {
    std::lock_guard lk(mu_);
    return chains_;
  }

 private:
  std::mutex mu_;
  std::vector<std::vector<UringSqe>> chains_;
};

TEST_CASE("the io_uring flusher submits each write linked to an fdatasync of its file",
          "[concurrency]") {
  if (!uring_available()) return;  // the POSIX backend is tested on its own
  TempDir dir;
  auto rec = std::make_shared<SqeRecorder>();
  Options o = small_options(CommitMode::kAsync);
  o.io_backend = IoBackend::kUring;
  o.io_hooks = rec;
  auto db = open_ok(dir.path(), o);
  for (int i = 0; i < 2000; ++i) REQUIRE(db->put("k" + std::to_string(i), "v").ok());
  REQUIRE(db->sync().ok());
  const auto chains = rec->chains();
  REQUIRE_FALSE(chains.empty());
  std::size_t fsyncs = 0;
  for (const auto& chain : chains) {
    REQUIRE(chain.size() >= 2);
    int fd = -1;
    for (std::size_t i = 0; i < chain.size(); ++i) {
      const UringSqe& e = chain[i];
      CAPTURE(i, chain.size(), static_cast<int>(e.opcode));
      const bool last = i + 1 == chain.size();
      CHECK(((e.flags & IOSQE_IO_LINK) != 0) == !last);  // linked up to the end
      if (e.opcode == IORING_OP_FSYNC) {
        ++fsyncs;
        CHECK(e.op_flags == IORING_FSYNC_DATASYNC);
        CHECK(e.fd == fd);  // the file the writes before it went to
        fd = -1;
      } else {
        REQUIRE(e.opcode == IORING_OP_WRITE);
        CHECK(e.length > 0);
        if (fd == -1) fd = e.fd;
        CHECK(e.fd == fd);
      }
    }
    CHECK(chain.back().opcode == IORING_OP_FSYNC);  // a chain never ends in a bare write
  }
  CHECK(fsyncs >= chains.size());
}

}  // namespace
}  // namespace walkv::test
