// The reserve of pre-faulted 2 MiB regions (engine/src/region_reserve.h): it maps nothing
// until asked, refills on its own thread after a miss, grows by doubling up to its cap and
// ahead of the takers that announce themselves, and
// the regions it hands out are aligned, zeroed and the caller's; an IndexMemory takes its
// full-size regions from it.
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "index_memory.h"
#include "region_reserve.h"
#include "test_util.h"

namespace walkv::test {
namespace {

using namespace std::chrono_literals;

// Polls until the reserve holds n regions; false if a generous deadline passes first.
bool wait_ready(const RegionReserve& r, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (r.ready() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST_CASE("region reserve: nothing until asked; after a miss, zeroed aligned regions") {
  RegionReserve reserve;
  CHECK(reserve.keep() == 0);  // a small database never pays for a region
  CHECK(reserve.ready() == 0);
  CHECK(reserve.take() == nullptr);  // a miss: the caller maps its own
  CHECK(reserve.keep() == RegionReserve::kMinKeep);
  REQUIRE(wait_ready(reserve, RegionReserve::kMinKeep));

  auto* region = static_cast<unsigned char*>(reserve.take());
  REQUIRE(region != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(region) % RegionReserve::kRegion == 0);
  bool zero = true;
  for (std::size_t off = 0; off < RegionReserve::kRegion; off += 512) zero &= region[off] == 0;
  CHECK(zero);
  // The caller's to write and unmap.
  std::memset(region, 0xab, RegionReserve::kRegion);
  CHECK(region[RegionReserve::kRegion - 1] == 0xab);
  CHECK(::munmap(region, RegionReserve::kRegion) == 0);
  // The thread refills what was taken.
  CHECK(wait_ready(reserve, RegionReserve::kMinKeep));
}

TEST_CASE("region reserve: each miss doubles what is kept ready, up to the cap") {
  RegionReserve reserve;
  std::vector<void*> taken;
  int misses = 0;
  for (int i = 0; i < 200; ++i) {
    const std::size_t before = reserve.keep();
    void* r = reserve.take();
    if (r == nullptr) {
      ++misses;
      CHECK(reserve.keep() == std::clamp(2 * before, RegionReserve::kMinKeep,
                                         RegionReserve::kMaxKeep));
    } else {
      CHECK(reserve.keep() == before);
      taken.push_back(r);
    }
  }
  CHECK(misses >= 1);
  CHECK(reserve.keep() <= RegionReserve::kMaxKeep);
  for (void* r : taken) ::munmap(r, RegionReserve::kRegion);
  // However many misses, the reserve fills to its cap and no further.
  while (reserve.keep() < RegionReserve::kMaxKeep) CHECK(reserve.take() == nullptr);
  REQUIRE(wait_ready(reserve, RegionReserve::kMaxKeep));
  std::this_thread::sleep_for(20ms);
  CHECK(reserve.ready() == RegionReserve::kMaxKeep);
}

TEST_CASE("index memory takes its full-size regions from the reserve") {
  RegionReserve reserve;
  std::vector<char*> blocks;
  {
    IndexMemory mem;
    mem.set_reserve(&reserve);
    // 64 KiB + 128 + 256 + 512 KiB of smaller regions come first; then 2 MiB ones.
    constexpr std::size_t kBlock = 1024;
    for (std::size_t i = 0; i < 12 * 1024; ++i) {
      auto* p = static_cast<char*>(mem.allocate(kBlock, 16));
      std::memset(p, static_cast<int>(i & 0x7f), kBlock);
      blocks.push_back(p);
    }
    CHECK(mem.mapped_bytes() >= 12 * 1024 * kBlock);
    CHECK(reserve.keep() >= 1);  // it was asked
    bool intact = true;
    for (std::size_t i = 0; i < blocks.size(); ++i)
      intact &= blocks[i][0] == static_cast<char>(i & 0x7f) &&
                blocks[i][kBlock - 1] == static_cast<char>(i & 0x7f);
    CHECK(intact);
    // The regions taken from the reserve now belong to `mem`, which unmaps them.
  }
  // Once the reserve had regions ready, a new memory's first full-size region is one.
  REQUIRE(wait_ready(reserve, reserve.keep()));
  const std::size_t handed_out = reserve.handed_out();
  IndexMemory mem;
  mem.set_reserve(&reserve);
  // Regions of 64 KiB to 512 KiB (960 KiB), then a full-size one in place of 1 MiB.
  while (mem.mapped_bytes() <= (std::size_t{960} << 10)) (void)mem.allocate(4096, 16);
  CHECK(mem.mapped_bytes() == (std::size_t{960} << 10) + RegionReserve::kRegion);
  CHECK(reserve.handed_out() == handed_out + 1);
}

TEST_CASE("shards about to need full-size regions find them ready, without a miss") {
  // The index's shards grow at one pace and come to the reserve together. Each asks it
  // ahead, when it maps its 512 KiB region; so, given the time the reserve needs to
  // populate, every shard's next region (2 MiB in place of 1 MiB) is ready.
  RegionReserve reserve;
  constexpr std::size_t kShards = RegionReserve::kMaxKeep;
  std::vector<IndexMemory> shards(kShards);
  for (IndexMemory& m : shards) m.set_reserve(&reserve);
  // Regions of 64 KiB to 512 KiB hold 960 KiB; stop short of the next one.
  constexpr std::size_t kSmaller = std::size_t{960} << 10;
  for (IndexMemory& m : shards) {
    while (m.mapped_bytes() < kSmaller) (void)m.allocate(4096, 16);
    CHECK(m.mapped_bytes() == kSmaller);
  }
  CHECK(reserve.keep() == kShards);
  CHECK(reserve.handed_out() == 0);
  REQUIRE(wait_ready(reserve, kShards));
  for (IndexMemory& m : shards) {
    while (m.mapped_bytes() == kSmaller) (void)m.allocate(4096, 16);
    CHECK(m.mapped_bytes() == kSmaller + RegionReserve::kRegion);
  }
  CHECK(reserve.handed_out() == kShards);  // each came from the reserve
  CHECK(reserve.keep() == kShards);        // and none missed (a miss doubles keep)
}

TEST_CASE("each taker announced raises what is kept ready by one, up to the cap") {
  RegionReserve reserve;
  for (std::size_t i = 1; i <= RegionReserve::kMaxKeep + 3; ++i) {
    reserve.expect_taker();
    CHECK(reserve.keep() == std::min(i, RegionReserve::kMaxKeep));
  }
  CHECK(reserve.handed_out() == 0);
  REQUIRE(wait_ready(reserve, RegionReserve::kMaxKeep));
}

}  // namespace
}  // namespace walkv::test
