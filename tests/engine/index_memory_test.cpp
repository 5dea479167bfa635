// The index's memory (engine/src/index_memory.h): blocks of one size class are reused after
// they are freed, so overwriting values does not grow the shard's memory; blocks stay
// aligned and disjoint; large blocks bypass the pool. Random sizes and orders from a seed.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory_resource>
#include <random>
#include <string>
#include <vector>

#include "index_memory.h"
#include "test_util.h"

namespace walkv::test {
namespace {

struct Block {
  char* p;
  std::size_t size;
  unsigned char fill;
};

bool intact(const Block& b) {
  return std::all_of(b.p, b.p + b.size,
                     [&](char c) { return static_cast<unsigned char>(c) == b.fill; });
}

TEST_CASE("index memory hands out aligned, disjoint blocks that keep their contents") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  IndexMemory mem;
  std::vector<Block> live;
  for (int round = 0; round < 20000; ++round) {
    if (!live.empty() && rng() % 3 == 0) {
      const std::size_t i = rng() % live.size();
      const Block b = live[i];
      REQUIRE(intact(b));
      mem.deallocate(b.p, b.size, 16);
      live[i] = live.back();
      live.pop_back();
      continue;
    }
    // Mostly small (pooled), some above the pooled limit.
    const std::size_t size = rng() % 10 == 0 ? IndexMemory::kLargestPooled + rng() % 20000
                                             : 1 + rng() % 300;
    auto* p = static_cast<char*>(mem.allocate(size, 16));
    REQUIRE(reinterpret_cast<std::uintptr_t>(p) % 16 == 0);
    const auto fill = static_cast<unsigned char>(rng());
    std::memset(p, fill, size);
    live.push_back({p, size, fill});
  }
  // Disjoint: sorted by address, each block ends before the next begins.
  std::sort(live.begin(), live.end(), [](const Block& a, const Block& b) { return a.p < b.p; });
  for (std::size_t i = 0; i + 1 < live.size(); ++i) CHECK(live[i].p + live[i].size <= live[i + 1].p);
  for (const Block& b : live) {
    REQUIRE(intact(b));
    mem.deallocate(b.p, b.size, 16);
  }
}

TEST_CASE("replacing entries reuses freed blocks instead of mapping more memory") {
  IndexMemory mem;
  std::pmr::map<std::pmr::string, std::pmr::string> map(&mem);
  auto key = [](int i) { return "key-" + std::to_string(i) + "-padding-past-sso"; };
  for (int i = 0; i < 5000; ++i) map.emplace(key(i), std::string(100, 'a'));
  const std::size_t after_load = mem.mapped_bytes();
  CHECK(after_load > 0);
  // Each round erases every entry (node, key and value blocks freed) and inserts it anew.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 5000; ++i) {
      REQUIRE(map.erase(std::pmr::string(key(i), &mem)) == 1);
      map.emplace(key(i), std::string(100, static_cast<char>('b' + round % 20)));
    }
  }
  INFO("mapped after load " << after_load << ", after 50 rounds " << mem.mapped_bytes());
  // Without reuse the rounds would need 50 times the load's memory.
  CHECK(mem.mapped_bytes() <= after_load + (std::size_t{2} << 20));
  CHECK(std::string_view(map.at(std::pmr::string(key(42), &mem))) ==
        std::string(100, static_cast<char>('b' + 49 % 20)));
}

}  // namespace
}  // namespace walkv::test
