// Errors are values, even where memory or options run out: no exception leaves the API, and
// a failed checkpoint leaves nothing behind.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <mutex>

#include "test_util.h"
#include "walkv/db.h"
#include "walkv/io_hooks.h"

namespace walkv::test {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;  // their shadow memory does not fit under RLIMIT_AS
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

TEST_CASE("a log buffer of SIZE_MAX bytes is refused at open, not thrown at the first put") {
  TempDir dir;
  Options o = small_options();
  o.log_buffer_bytes = SIZE_MAX;
  o.flush_bytes = 4096;
  auto db = DB::open(dir.path(), o);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().IsInvalidArgument());
  CHECK(db.status().message().find("log_buffer_bytes") != std::string::npos);
}

// Fails every write to a snapshot file with ENOSPC.
class FullForSnapshots : public IoHooks {
 public:
  int before(const IoEvent& ev) override {
    return ev.op == IoOp::kWrite && ev.path.find("snapshot-") != std::string::npos ? ENOSPC : 0;
  }
};

TEST_CASE("a failed checkpoint removes its temporary snapshot file") {
  TempDir dir;
  Options o = small_options();
  o.io_hooks = std::make_shared<FullForSnapshots>();
  auto db = open_ok(dir.path(), o);
  for (int i = 0; i < 50; ++i) REQUIRE(db->put("k" + std::to_string(i), "v").ok());
  auto r = db->checkpoint();
  REQUIRE_FALSE(r.ok());
  for (const auto& name : list_dir(dir.path())) {
    CAPTURE(name);
    CHECK_FALSE(name.ends_with(".snap.tmp"));
  }
  CHECK(db->put("after", "1").ok());  // a failed checkpoint does not stop writes
}

TEST_CASE("opening with a snapshot larger than memory allows returns an error naming it") {
  if (kSanitized) return;  // RLIMIT_AS cannot be applied under a sanitizer
  TempDir dir;
  {
    auto db = open_ok(dir.path(), small_options());
    REQUIRE(db->put("a", "1").ok());
  }
  // A sparse 40 GiB file under a snapshot name, newer than the log.
  const std::string snap = dir.sub("snapshot-0000000000000009.snap");
  write_file(snap, "");
  std::filesystem::resize_file(snap, std::uint64_t{40} << 30);
  Pipe pipe;
  pid_t pid = fork_child([&] {
    rlimit lim{std::uint64_t{1} << 30, std::uint64_t{1} << 30};
    if (::setrlimit(RLIMIT_AS, &lim) != 0) return 90;
    auto db = DB::open(dir.path(), small_options());
    const std::string msg = db.ok() ? "opened" : db.status().ToString();
    pipe.write_all(msg);
    return db.ok() ? 1 : 0;
  });
  pipe.close_write();
  const std::string msg = pipe.read_to_eof();
  const int rc = wait_child(pid);
  CAPTURE(msg);
  REQUIRE(rc == 0);  // not killed by an uncaught exception (128 + SIGABRT)
  CHECK(msg.find("snapshot-0000000000000009.snap") != std::string::npos);
}

}  // namespace
}  // namespace walkv::test
