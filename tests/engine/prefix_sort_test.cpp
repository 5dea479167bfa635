// prefix_sort must give exactly what std::stable_sort gives: the same order, and equal
// elements in their input order. Prefixes are drawn to hit each of its paths: few
// elements, all prefixes equal, prefixes that share their high bits (a common key stem),
// prefixes that differ only in bit 0, and spread-out random ones; ties on the prefix are
// broken by a second key, as the index breaks them by the key's bytes.
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "prefix_sort.h"
#include "test_util.h"

namespace walkv::test {
namespace {

struct Item {
  std::uint64_t prefix;
  std::uint32_t tie;    // compared after the prefix
  std::uint32_t order;  // input position: must stay ascending among equal items
  bool operator==(const Item&) const = default;
};

struct ItemLess {
  bool operator()(const Item& a, const Item& b) const {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return a.tie < b.tie;
  }
};

std::uint64_t draw_prefix(std::mt19937_64& rng, int shape) {
  switch (shape) {
    case 0: return rng();                                   // spread out
    case 1: return 0x7573657200000000ull;                   // all equal
    case 2: return 0x7573657230300000ull | (rng() % 4096);  // a shared stem, low bits vary
    case 3: return 0x10 | (rng() & 1);                      // only bit 0 differs
    case 4: return rng() % 3 == 0 ? ~std::uint64_t{0} : rng() % 50;  // both ends, many ties
    default: return (rng() % 7) << 61;                      // only the top bits vary
  }
}

TEST_CASE("prefix_sort orders exactly as a stable sort does", "[index]") {
  const std::uint64_t seed = test_seed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 300; ++round) {
    CAPTURE(round);
    const int shape = round % 6;
    CAPTURE(shape);
    const std::size_t sizes[] = {0, 1, 2, 63, 64, 65, 1000, 20000};
    const std::size_t n = round < 48 ? sizes[round / 6] : 1 + rng() % 5000;
    CAPTURE(n);
    std::vector<Item> in(n);
    for (std::size_t i = 0; i < n; ++i) {
      in[i] = {draw_prefix(rng, shape), static_cast<std::uint32_t>(rng() % 4),
               static_cast<std::uint32_t>(i)};
    }
    const std::vector<Item> before = in;
    std::vector<Item> expected = in;
    std::stable_sort(expected.begin(), expected.end(), ItemLess());
    std::vector<Item> out(n);
    prefix_sort(in.data(), in.data() + n, out.data(), ItemLess());
    REQUIRE(out == expected);
    REQUIRE(in == before);
  }
}

}  // namespace
}  // namespace walkv::test
