// Retiring the files a checkpoint no longer needs (engine/src/file_retire.h): renamed to a
// name open deletes and the directory fsynced before any byte is freed, then truncated in
// steps, each made durable, then unlinked. After a failure half way, nothing is left under
// the old name, and a reopen deletes what is left and has every write.
#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "file_retire.h"
#include "test_util.h"

namespace walkv::test {
namespace {

// Records the operations on files under `dir` in order: "op name size".
class OpLog : public IoHooks {
 public:
  int before(const IoEvent& ev) override {
    std::lock_guard lk(mu_);
    const auto slash = ev.path.find_last_of('/');
    const std::string name = slash == std::string::npos ? ev.path : ev.path.substr(slash + 1);
    std::string line = std::string(io_op_name(ev.op)) + " " + name;
    if (ev.op == IoOp::kTruncate) line += " " + std::to_string(ev.offset);
    ops_.push_back(line);
    return 0;
  }
  std::vector<std::string> ops() const {
    std::lock_guard lk(mu_);
    return ops_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> ops_;
};

TEST_CASE("files are renamed and the directory synced before any byte is freed, then in steps") {
  TempDir dir;
  const std::string big = dir.path() + "/snapshot-0000000000000001.snap";
  const std::string small = dir.path() + "/wal-0000000000000001.log";
  write_file(big, "");
  truncate_file(big, 2 * kRetireStep + 4096);  // sparse: three steps
  write_file(small, std::string(5000, 'x'));
  auto log = std::make_shared<OpLog>();
  FileSystem fs(log);
  REQUIRE(retire_files(fs, dir.path(), {big, small}).ok());
  CHECK(list_dir(dir.path()).empty());
  const std::string b = "snapshot-0000000000000001.snap.tmp", w = "wal-0000000000000001.log.tmp";
  const std::vector<std::string> want = {
      "rename snapshot-0000000000000001.snap",
      "rename wal-0000000000000001.log",
      std::string("fsync(dir) ") + dir.path().substr(dir.path().find_last_of('/') + 1),
      "open " + b,
      "truncate " + b + " " + std::to_string(kRetireStep + 4096),
      "fdatasync " + b,
      "truncate " + b + " 4096",
      "fdatasync " + b,
      "truncate " + b + " 0",
      "fdatasync " + b,
      "unlink " + b,
      "open " + w,
      "truncate " + w + " 0",
      "fdatasync " + w,
      "unlink " + w,
  };
  CHECK(log->ops() == want);
}

TEST_CASE("a checkpoint that fails while retiring leaves only a .tmp, which open deletes") {
  TempDir dir;
  auto hooks = std::make_shared<FaultHooks>();
  Options o = small_options();
  o.io_hooks = hooks;
  constexpr std::uint64_t kKeys = 400;
  {
    auto db = open_ok(dir.path(), o);
    for (std::uint64_t i = 0; i < kKeys; ++i)
      REQUIRE(db->put(make_key(i), make_value(i, 0, 300)).ok());
    REQUIRE(db->checkpoint().ok());
    for (std::uint64_t i = 0; i < kKeys; ++i)
      REQUIRE(db->put(make_key(i), make_value(i, 1, 300)).ok());
    hooks->fail(IoOp::kTruncate, EIO, "snapshot-");
    auto ck = db->checkpoint();
    REQUIRE_FALSE(ck.ok());
    INFO(ck.status().ToString());
    CHECK(ck.status().IsIOError());
    hooks->disarm();
    // The old snapshot is out of the way under a .tmp name; the new one is in place.
    const auto names = list_dir(dir.path());
    CHECK(std::count_if(names.begin(), names.end(),
                        [](const std::string& n) { return n.ends_with(".snap.tmp"); }) == 1);
    CHECK(snapshot_files(dir.path()).size() == 1);
    CHECK(db->put("after", "ok").ok());
  }
  auto db = open_ok(dir.path(), small_options());
  for (const auto& n : list_dir(dir.path())) CHECK_FALSE(n.ends_with(".tmp"));
  CHECK(snapshot_files(dir.path()).size() == 1);
  for (std::uint64_t i = 0; i < kKeys; ++i) {
    INFO("key " << i);
    CHECK(get_or_marker(*db, make_key(i)) == make_value(i, 1, 300));
  }
  CHECK(get_or_marker(*db, "after") == "ok");
}

}  // namespace
}  // namespace walkv::test
