// Preparing a segment where the file system has no fallocate: the segment is still made
// (zero-filled by walkv), at the cost of one sequential write of it, not a write per block.
#include <catch2/catch.hpp>

#include <cerrno>
#include <map>
#include <mutex>

#include "test_util.h"
#include "walkv/db.h"
#include "walkv/io_hooks.h"

namespace walkv::test {
namespace {

// Fails every fallocate with EOPNOTSUPP (as FUSE and some network file systems do) and
// counts the writes each file gets.
class NoFallocate : public IoHooks {
 public:
  int before(const IoEvent& ev) override {
    std::lock_guard lk(mu_);
    if (ev.op == IoOp::kFallocate) {
      ++fallocates_;
      return EOPNOTSUPP;
    }
    if (ev.op == IoOp::kWrite) ++writes_[ev.path];
    return 0;
  }
  int fallocates() {
    std::lock_guard lk(mu_);
    return fallocates_;
  }
  std::map<std::string, int> writes() {
    std::lock_guard lk(mu_);
    return writes_;
  }

 private:
  std::mutex mu_;
  int fallocates_ = 0;
  std::map<std::string, int> writes_;
};

TEST_CASE("segments are prepared without fallocate, in one write per MiB") {
  TempDir dir;
  auto hooks = std::make_shared<NoFallocate>();
  Options o = small_options();
  o.segment_bytes = std::uint64_t{4} << 20;
  o.io_hooks = hooks;
  {
    auto db = open_ok(dir.path(), o);
    // Fill past the first segment so that a second one is prepared in the background.
    const std::string value(16 << 10, 'v');
    for (int i = 0; i < 320; ++i) REQUIRE((db->put("k" + std::to_string(i), value)).ok());
    REQUIRE(db->get("k319").value() == value);
  }
  CHECK(hooks->fallocates() >= 2);
  int segments = 0;
  for (const auto& [path, n] : hooks->writes()) {
    if (!path.ends_with(".log.tmp")) continue;
    ++segments;
    CAPTURE(path);
    // 4 MiB of zeros in 1 MiB writes, then the header.
    CHECK(n <= 5);
  }
  CHECK(segments >= 2);
  auto db = open_ok(dir.path(), o);
  CHECK(db->get("k0").ok());
}

}  // namespace
}  // namespace walkv::test
