// FileSystem::load_file (engine/src/file_io.h) finds where a file's non-zero bytes end by
// reading backwards in 256 KiB chunks, and the WAL reader takes that as a segment's high-water
// mark: where torn or stray data could be. A wrong answer would hide damage past the end of
// the log, or look for it in zeros. Files of zeros with one non-zero byte placed at chunk
// edges, word edges and file ends, from a seed.
//
// The image reuses its buffer from file to file and reads only up to a file's non-zero end,
// so what an earlier, longer file left in the buffer must not show through: every check
// below compares the whole image with the file, through one image reused across files.
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "file_io.h"
#include "test_util.h"

namespace walkv::test {
namespace {

std::uint64_t loaded_end(FileImage* image, const std::string& path, const std::string& bytes) {
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  FileSystem fs(nullptr);
  REQUIRE(fs.load_file(path, image).ok());
  CHECK(image->bytes() == bytes);  // the whole file, zeros past its data included
  return image->nonzero_end();
}

TEST_CASE("load_file reports the offset after the last non-zero byte") {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  constexpr std::size_t kChunk = 256 << 10;
  FileImage image;
  SECTION("all zeros, and empty") {
    CHECK(loaded_end(&image, path, std::string(3 * kChunk + 5, '\0')) == 0);
    CHECK(loaded_end(&image, path, std::string()) == 0);
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
      CHECK(loaded_end(&image, path, bytes) == at + 1);
    }
  }
  SECTION("random files: data, then zeros, through one reused image") {
    const std::uint64_t seed = test_seed();
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 40; ++round) {
      // Sizes around the image's 2 MiB buffer steps: it grows, and is reused when smaller.
      const std::size_t size = 1 + rng() % (5 << 20);
      const std::size_t end = rng() % (size + 1);
      std::string bytes(size, '\0');
      for (std::size_t i = 0; i < end; ++i) bytes[i] = static_cast<char>(rng() % 4);
      if (end > 0) bytes[end - 1] = 'x';
      CAPTURE(round, size, end);
      CHECK(loaded_end(&image, path, bytes) == end);
    }
  }
}

TEST_CASE("a smaller file after a larger one reads as itself, not the larger one's tail") {
  TempDir dir;
  FileImage image;
  CHECK(loaded_end(&image, dir.path() + "/a", std::string(1 << 20, 'a')) == 1 << 20);
  std::string small(1 << 20, '\0');
  small.replace(0, 100, std::string(100, 'b'));
  CHECK(loaded_end(&image, dir.path() + "/b", small) == 100);
  // Swapped images keep their own buffers.
  FileImage other;
  CHECK(loaded_end(&other, dir.path() + "/c", std::string(3 << 20, 'c')) == 3u << 20);
  image.swap(other);
  CHECK(image.bytes() == std::string(3 << 20, 'c'));
  CHECK(other.bytes() == small);
}

TEST_CASE("load_file reports a failed read as an I/O error and leaves the image empty") {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  FileImage image;
  CHECK(loaded_end(&image, path, std::string(1000, 'x')) == 1000);
  struct FailReads : IoHooks {
    int before(const IoEvent& ev) override { return ev.op == IoOp::kRead ? EIO : 0; }
  };
  FileSystem fs(std::make_shared<FailReads>());
  Status s = fs.load_file(path, &image);
  CHECK(s.IsIOError());
  CHECK(s.message().find("read") != std::string::npos);
  CHECK(image.bytes().empty());
}

}  // namespace
}  // namespace walkv::test
