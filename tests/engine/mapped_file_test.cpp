// FileSystem::map_file (engine/src/file_io.h) finds where a file's non-zero bytes end by
// reading backwards in 256 KiB chunks, and the WAL reader takes that as a segment's high-water
// mark: where torn or stray data could be. A wrong answer would hide damage past the end of
// the log, or look for it in zeros. Files of zeros with one non-zero byte placed at chunk
// edges, word edges and file ends, from a seed.
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "file_io.h"
#include "test_util.h"

namespace walkv::test {
namespace {

std::uint64_t mapped_end(const std::string& path, const std::string& bytes) {
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  FileSystem fs(nullptr);
  MappedFile m;
  REQUIRE(fs.map_file(path, &m).ok());
  CHECK(m.bytes() == bytes);  // the mapping shows the whole file, populated or not
  return m.nonzero_end();
}

TEST_CASE("map_file reports the offset after the last non-zero byte") {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  constexpr std::size_t kChunk = 256 << 10;
  SECTION("all zeros, and empty") {
    CHECK(mapped_end(path, std::string(3 * kChunk + 5, '\0')) == 0);
    CHECK(mapped_end(path, std::string()) == 0);
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
      CHECK(mapped_end(path, bytes) == at + 1);
    }
  }
  SECTION("random files: data, then zeros") {
    const std::uint64_t seed = test_seed();
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 20; ++round) {
      const std::size_t size = 1 + rng() % (2 * kChunk);
      const std::size_t end = rng() % (size + 1);
      std::string bytes(size, '\0');
      for (std::size_t i = 0; i < end; ++i) bytes[i] = static_cast<char>(rng() % 4);
      if (end > 0) bytes[end - 1] = 'x';
      CAPTURE(round, size, end);
      CHECK(mapped_end(path, bytes) == end);
    }
  }
}

}  // namespace
}  // namespace walkv::test
