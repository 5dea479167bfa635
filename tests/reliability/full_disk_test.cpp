// A real full disk: mount a small file system (tmpfs, and ext4 in a loop-mounted
// image where mkfs.ext4 and loop devices work), fill it through walkv until ENOSPC, check
// that the error is clear and that every acknowledged write survives a reopen, then free
// space (delete a ballast file made beforehand), reopen and write again.
//
// Mounting needs root (CI runs the tests as root). Where the test cannot mount, it says so
// with WARN and passes without exercising anything. tmpfs has no real fdatasync, but its
// ENOSPC is real; the ext4 variant has both.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "test_util.h"

namespace walkv::test {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// A small file system mounted for one test case, unmounted (and its loop device released)
// on destruction, even when the test fails.
class SmallFs {
 public:
  // tmpfs of `bytes`. Null with *why set when it cannot be mounted.
  static std::unique_ptr<SmallFs> tmpfs(std::uint64_t bytes, std::string* why) {
    if (::geteuid() != 0) {
      *why = "not running as root";
      return nullptr;
    }
    std::unique_ptr<SmallFs> fs(new SmallFs());
    const std::string opts = fmt::format("size={}", bytes);
    if (::mount("tmpfs", fs->root_.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      *why = fmt::format("mount -t tmpfs -o {} failed: {}", opts, std::strerror(errno));
      return nullptr;
    }
    fs->mounted_ = true;
    fs->kind_ = "tmpfs";
    return fs;
  }

  // ext4 made by mkfs.ext4 in an image file of `bytes`, mounted with -o loop.
  static std::unique_ptr<SmallFs> ext4_loop(std::uint64_t bytes, std::string* why) {
    if (::geteuid() != 0) {
      *why = "not running as root";
      return nullptr;
    }
    std::unique_ptr<SmallFs> fs(new SmallFs());
    const std::string image = fs->holder_.sub("ext4.img");
    {
      int fd = ::open(image.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
        *why = fmt::format("cannot make the image file {}: {}", image, std::strerror(errno));
        if (fd >= 0) ::close(fd);
        return nullptr;
      }
      ::close(fd);
    }
    // -m 0: no blocks reserved for root (the test runs as root and would use them).
    if (!run(fmt::format("mkfs.ext4 -q -F -m 0 {}", image))) {
      *why = "mkfs.ext4 is missing or failed";
      return nullptr;
    }
    if (!run(fmt::format("mount -o loop {} {}", image, fs->root_))) {
      *why = "mount -o loop failed (no loop devices or no permission)";
      return nullptr;
    }
    fs->mounted_ = true;
    fs->kind_ = "ext4 (loop)";
    return fs;
  }

  ~SmallFs() {
    if (!mounted_) return;
    if (::umount2(root_.c_str(), 0) != 0) {
      // A file still open somewhere: detach now, the kernel finishes when it closes.
      WARN("umount " << root_ << ": " << std::strerror(errno) << "; detaching lazily");
      ::umount2(root_.c_str(), MNT_DETACH);
    }
  }

  SmallFs(const SmallFs&) = delete;
  SmallFs& operator=(const SmallFs&) = delete;

  const std::string& root() const { return root_; }
  const std::string& kind() const { return kind_; }

 private:
  SmallFs() : root_(holder_.sub("mnt")) {
    if (::mkdir(root_.c_str(), 0755) != 0)
      throw std::runtime_error("mkdir " + root_ + ": " + std::strerror(errno));
  }

  // Runs a shell command quietly (sbin directories on PATH); true if it exited with 0.
  static bool run(const std::string& cmd) {
    const std::string line =
        "PATH=\"$PATH:/sbin:/usr/sbin\" " + cmd + " >/dev/null 2>&1 </dev/null";
    return std::system(line.c_str()) == 0;
  }

  TempDir holder_;  // removed after the unmount (destroyed last)
  std::string root_;
  std::string kind_;
  bool mounted_ = false;
};

void write_ballast(const std::string& path, std::uint64_t bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  const std::string chunk(64 * 1024, 'B');
  for (std::uint64_t done = 0; done < bytes; done += chunk.size()) {
    REQUIRE(::write(fd, chunk.data(), chunk.size()) == static_cast<ssize_t>(chunk.size()));
  }
  REQUIRE(::fsync(fd) == 0);
  ::close(fd);
}

Options disk_options(CommitMode mode) {
  Options o;
  o.mode = mode;
  o.segment_bytes = kMiB;
  o.log_buffer_bytes = 256 * 1024;
  o.flush_bytes = 64 * 1024;
  o.flush_interval = std::chrono::milliseconds(2);
  o.checkpoint_wal_bytes = 0;  // checkpoints would free the WAL: let it fill the disk
  o.logger = LogSink().logger();
  return o;
}

// Keys [0, n) hold make_value(i, 0, size) for some n in [durable, attempted + 1] and no
// other key of that form exists (a prefix). Returns n.
std::uint64_t check_prefix(DB& db, std::uint64_t durable, std::uint64_t attempted,
                           std::size_t value_size) {
  std::uint64_t n = 0;
  while (n <= attempted && get_or_marker(db, make_key(n)) == make_value(n, 0, value_size)) ++n;
  INFO("recovered " << n << " leading writes; " << durable << " were acknowledged durable, "
                    << attempted << " acknowledged");
  CHECK(n >= durable);
  CHECK(n <= attempted + 1);
  for (std::uint64_t i = n; i <= attempted + 1; ++i) {
    INFO("key index " << i << " after the recovered prefix");
    CHECK(get_or_marker(db, make_key(i)) == "<absent>");
  }
  return n;
}

void fill_until_full(const SmallFs& fs, CommitMode mode, std::size_t value_size) {
  const bool sync = mode == CommitMode::kSync;
  const std::string ballast = fs.root() + "/ballast";
  const std::string dir = fs.root() + "/db";
  write_ballast(ballast, 2 * kMiB);

  std::uint64_t attempted = 0;  // writes [0, attempted) were acknowledged (put returned OK)
  std::uint64_t durable = 0;    // writes [0, durable) were acknowledged durable
  Status error;
  {
    auto db = open_ok(dir, disk_options(mode));
    // More than the file system can hold: the loop must end with an error.
    const std::uint64_t limit = 64 * kMiB / value_size;
    for (std::uint64_t i = 0; i < limit && error.ok(); ++i) {
      auto r = db->put(make_key(i), make_value(i, 0, value_size));
      if (!r.ok()) {
        error = r.status();
        break;
      }
      REQUIRE(r.value() == i + 1);
      attempted = i + 1;
      durable = sync ? attempted : std::max<std::uint64_t>(durable, db->durable_lsn());
    }
    if (error.ok()) {
      auto s = db->sync();
      if (!s.ok()) error = s.status();
    }
    REQUIRE_FALSE(error.ok());
    durable = std::max<std::uint64_t>(durable, db->durable_lsn());
    INFO("the write that found the disk full: " << error.ToString());
    const std::uint64_t durable_at_error = durable;
    CHECK((error.IsIOError() || error.IsFailed()));
    CHECK(error.message().find(std::strerror(ENOSPC)) != std::string::npos);
    CHECK(error.message().find(dir) != std::string::npos);  // names the file
    // The disk is still full, so the next write that needs a new segment fails too: with
    // the latched error (Failed) if the engine latched, or by failing again to get one.
    auto again = db->put(make_key(attempted), make_value(attempted, 0, value_size));
    INFO("the next write: " << again.status().ToString());
    CHECK_FALSE(again.ok());
    if (again.ok()) ++attempted;  // keep the expected prefix honest
    if (db->stats().failed) {
      CHECK(again.status().IsFailed());
    } else {
      CHECK(again.status().message().find(std::strerror(ENOSPC)) != std::string::npos);
    }
    // sync() succeeds only by making every acknowledged write durable; after a latched
    // error it reports that error instead.
    auto s = db->sync();
    if (s.ok()) {
      CHECK(s.value() == attempted);
      durable = attempted;
    } else {
      CHECK(db->stats().failed);
      CHECK(s.status().message().find(std::strerror(ENOSPC)) != std::string::npos);
    }
    durable = std::max<std::uint64_t>(durable, db->durable_lsn());
    WARN(fs.kind() << ", " << (sync ? "sync" : "async") << " mode: " << attempted
                   << " writes acknowledged (" << durable_at_error << " known durable), then: "
                   << error.ToString() << "; the next write: " << again.status().ToString()
                   << "; sync(): " << (s.ok() ? "OK" : s.status().ToString()) << "; DB "
                   << (db->stats().failed ? "latched" : "not latched"));
  }

  // The file system is still full: recovery needs no new space.
  std::uint64_t recovered = 0;
  {
    auto db = open_ok(dir, disk_options(CommitMode::kSync));
    recovered = check_prefix(*db, durable, attempted, value_size);
    CHECK(db->stats().recovery.last_lsn == recovered);
  }

  // Free space, reopen and write again: more than one new segment's worth.
  REQUIRE(::unlink(ballast.c_str()) == 0);
  const std::uint64_t more = (3 * kMiB / 2) / value_size;
  {
    auto db = open_ok(dir, disk_options(mode));
    for (std::uint64_t j = 0; j < more; ++j) {
      auto r = db->put(fmt::format("again-{:06}", j), make_value(j, 1, value_size));
      INFO("write " << j << " after freeing space: " << r.status().ToString());
      REQUIRE(r.ok());
      CHECK(r.value() == recovered + j + 1);
    }
    auto s = db->sync();
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    CHECK_FALSE(db->stats().failed);
  }
  {
    auto db = open_ok(dir, disk_options(CommitMode::kSync));
    CHECK(check_prefix(*db, recovered, recovered, value_size) == recovered);
    for (std::uint64_t j = 0; j < more; ++j)
      CHECK(get_or_marker(*db, fmt::format("again-{:06}", j)) == make_value(j, 1, value_size));
  }
}

void tmpfs_case(CommitMode mode) {
  std::string why;
  auto fs = SmallFs::tmpfs(8 * kMiB, &why);
  if (!fs) {
    WARN("full-disk test skipped: cannot mount a tmpfs (" << why << ")");
    return;
  }
  fill_until_full(*fs, mode, 4096);
}

void ext4_case(CommitMode mode) {
  std::string why;
  auto fs = SmallFs::ext4_loop(16 * kMiB, &why);
  if (!fs) {
    WARN("full-disk test skipped: cannot mount ext4 on a loop device (" << why << ")");
    return;
  }
  fill_until_full(*fs, mode, 16 * 1024);
}

TEST_CASE("a full tmpfs fails sync writes with ENOSPC and keeps every acknowledged write",
          "[reliability]") {
  tmpfs_case(CommitMode::kSync);
}

TEST_CASE("a full tmpfs fails async writes with ENOSPC and keeps every durable write",
          "[reliability]") {
  tmpfs_case(CommitMode::kAsync);
}

TEST_CASE("a full ext4 loop file system fails sync writes and keeps every acknowledged write",
          "[reliability]") {
  ext4_case(CommitMode::kSync);
}

TEST_CASE("a full ext4 loop file system fails async writes and keeps every durable write",
          "[reliability]") {
  ext4_case(CommitMode::kAsync);
}

}  // namespace
}  // namespace walkv::test
