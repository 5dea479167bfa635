// SegmentWindow (engine/src/segment_window.h) is the WAL reader's only view of a segment's
// bytes. It finds where a file's non-zero bytes end by reading backwards in 256 KiB chunks,
// and the reader takes that as the segment's high-water mark: where torn or stray data could
// be. A wrong answer would hide damage past the end of the log, or look for it in zeros.
// Files of zeros with one non-zero byte placed at chunk edges, word edges and file ends, from
// a seed.
//
// The window then reads the file a megabyte at a time into a buffer it keeps for the next
// file, and fills what lies past the non-zero end with zeros instead of reading it. So what
// an earlier file, or an earlier part of this one, left in the buffer must never show
// through: every view below is compared with the file's bytes, through one window reused
// across files, at random offsets and lengths that cross window edges.
#include "segment_window.h"

#include <fstream>
#include <random>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace walkv::test {
namespace {

constexpr std::size_t kWindow = SegmentWindow::kWindow;

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string view_of(SegmentWindow& w, std::uint64_t off, std::size_t len) {
  std::string_view v;
  REQUIRE(w.view(off, len, &v).ok());
  return std::string(v);
}

// Opens `bytes` as a file through `w`, checks that the whole file reads back, and returns
// the window's non-zero end.
std::uint64_t opened_end(SegmentWindow& w, const std::string& path, const std::string& bytes) {
  write_file(path, bytes);
  FileSystem fs(nullptr);
  REQUIRE(w.open(fs, path).ok());
  CHECK(w.size() == bytes.size());
  CHECK(view_of(w, 0, bytes.size()) == bytes);
  return w.nonzero_end();
}

TEST_CASE("a segment window reports the offset after the last non-zero byte") {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  constexpr std::size_t kChunk = 256 << 10;
  SegmentWindow w;
  SECTION("all zeros, and empty") {
    CHECK(opened_end(w, path, std::string()) == 0);  // a window with no buffer yet
    CHECK(opened_end(w, path, std::string(3 * kChunk + 5, '\0')) == 0);
    CHECK(opened_end(w, path, std::string()) == 0);
  }
  SECTION("one non-zero byte at chunk and word edges") {
    const std::size_t size = 3 * kChunk + 100;
    // Chunks are read from the end, so their edges sit at size - k * kChunk.
    for (std::size_t at : {std::size_t{0}, std::size_t{7}, std::size_t{8}, size - 3 * kChunk - 1,
                           size - 2 * kChunk - 1, size - 2 * kChunk, size - kChunk - 1,
                           size - kChunk, size - 9, size - 8, size - 1}) {
      CAPTURE(at);
      std::string bytes(size, '\0');
      bytes[at] = '\x01';
      CHECK(opened_end(w, path, bytes) == at + 1);
    }
  }
  SECTION("random files: data, then zeros, through one reused window") {
    const std::uint64_t seed = test_seed();
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 30; ++round) {
      const std::size_t size = 1 + rng() % (3 * kWindow);
      const std::size_t end = rng() % (size + 1);
      std::string bytes(size, '\0');
      for (std::size_t i = 0; i < end; ++i) bytes[i] = static_cast<char>(rng() % 4);
      if (end > 0) bytes[end - 1] = 'x';
      CAPTURE(round, size, end);
      CHECK(opened_end(w, path, bytes) == end);
    }
  }
}

TEST_CASE("views at random offsets read the file's bytes, across window edges and files") {
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  FileSystem fs(nullptr);
  SegmentWindow w;
  for (int file = 0; file < 6; ++file) {
    // Data, then zeros; some files end in zeros longer than a window.
    const std::size_t size = kWindow / 2 + rng() % (4 * kWindow);
    const std::size_t end = rng() % (size + 1);
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < end; ++i) bytes[i] = static_cast<char>(1 + rng() % 255);
    const std::string path = dir.path() + "/f" + std::to_string(file);
    write_file(path, bytes);
    REQUIRE(w.open(fs, path).ok());
    for (int i = 0; i < 200; ++i) {
      const std::uint64_t off = rng() % (size + 10);  // some past the end: cut short
      // Mostly short views (record headers), some longer than a window (large records).
      const std::size_t len = rng() % 4 == 0 ? rng() % (2 * kWindow) : rng() % 200;
      CAPTURE(file, size, end, off, len);
      const std::string want = off >= size ? std::string() : bytes.substr(off, len);
      REQUIRE(view_of(w, off, len) == want);
    }
  }
}

TEST_CASE("swapped windows keep their own files and buffers") {
  TempDir dir;
  FileSystem fs(nullptr);
  const std::string a(3 * kWindow, 'a'), b(kWindow / 2, 'b');
  write_file(dir.path() + "/a", a);
  write_file(dir.path() + "/b", b);
  SegmentWindow w1, w2;
  REQUIRE(w1.open(fs, dir.path() + "/a").ok());
  REQUIRE(w2.open(fs, dir.path() + "/b").ok());
  w1.swap(w2);
  CHECK(view_of(w1, 0, b.size()) == b);
  CHECK(view_of(w2, 2 * kWindow, kWindow) == a.substr(2 * kWindow));
  // The first window's buffer now serves a smaller file: nothing of "a" shows through.
  REQUIRE(w2.open(fs, dir.path() + "/b").ok());
  CHECK(view_of(w2, 0, kWindow) == b);
}

TEST_CASE("a shared window's bytes outlive the window's moves, on another thread too") {
  // Recovery hands each window's records to its staging thread without copying them
  // (share()); the window must then read on into another buffer. Buffers come back for
  // reuse only once every holder has let go.
  TempDir dir;
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  std::string bytes(6 * kWindow + 123, '\0');
  for (char& c : bytes) c = static_cast<char>(1 + rng() % 255);
  write_file(dir.path() + "/f", bytes);
  FileSystem fs(nullptr);
  SegmentWindow w;
  REQUIRE(w.open(fs, dir.path() + "/f").ok());
  struct Held {
    std::shared_ptr<const char[]> owner;
    std::string_view view;
    std::uint64_t off;
  };
  std::vector<Held> held;
  for (std::uint64_t off = 0; off < bytes.size(); off += kWindow / 2) {
    std::string_view v;
    REQUIRE(w.view(off, 100, &v).ok());
    held.push_back({w.share(), v, off});
  }
  // Every window read so far went to a buffer of its own: none was overwritten.
  std::thread reader([&] {
    for (const Held& h : held) CHECK(h.view == std::string_view(bytes).substr(h.off, 100));
  });
  reader.join();
  // A buffer nobody holds is used again (it is already faulted in); a held one is not.
  const char* kept = held.front().owner.get();
  const char* released = held.back().owner.get();
  held.pop_back();
  std::string_view v;
  REQUIRE(w.view(0, 100, &v).ok());
  CHECK(w.data() == released);
  CHECK(w.data() != kept);
  CHECK(v == std::string_view(bytes).substr(0, 100));
  CHECK(held.front().view == std::string_view(bytes).substr(0, 100));
}

TEST_CASE("a failed read is an I/O error and leaves the window empty") {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  write_file(path, std::string(3 * kWindow, 'x'));
  // Fails the n-th read (0: the open's), and no other.
  struct FailRead : IoHooks {
    int left;
    explicit FailRead(int n) : left(n) {}
    int before(const IoEvent& ev) override { return ev.op == IoOp::kRead && left-- == 0 ? EIO : 0; }
  };
  SECTION("at open") {
    FileSystem fs(std::make_shared<FailRead>(0));
    SegmentWindow w;
    Status s = w.open(fs, path);
    CHECK(s.IsIOError());
    CHECK(s.message().find("read") != std::string::npos);
    CHECK(w.size() == 0);
  }
  SECTION("moving the window on") {
    FileSystem fs(std::make_shared<FailRead>(1));
    SegmentWindow w;
    REQUIRE(w.open(fs, path).ok());
    std::string_view v;
    CHECK(w.view(2 * kWindow, 10, &v).IsIOError());
    CHECK(w.view(2 * kWindow, 10, &v).ok());  // the hook fails only one read
    CHECK(v == std::string(10, 'x'));
  }
}

}  // namespace
}  // namespace walkv::test
