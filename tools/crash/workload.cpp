#include "workload.h"

#include <charconv>

#include <fmt/format.h>

namespace walkv::crash {

OpGenerator::OpGenerator(std::uint64_t trial_seed, std::uint32_t writer,
                         std::uint32_t keys_per_writer)
    : rng_(mix_seed(trial_seed, 0x5752495445ULL + writer)), keys_(keys_per_writer) {}

namespace {
// Mostly small values; some span several 512-byte sectors, so that a power cut can tear a
// record in the middle and leave a later record in the same flush intact.
std::uint32_t draw_value_len(Rng& rng) {
  if (rng.percent(15)) return static_cast<std::uint32_t>(rng.between(600, 2500));
  return static_cast<std::uint32_t>(rng.between(16, 160));
}
}  // namespace

Op OpGenerator::next() {
  Op op;
  op.seq = seq_++;
  const auto roll = rng_.below(100);
  if (roll < 12) {
    op.items.push_back({static_cast<std::uint32_t>(rng_.below(keys_)), true, 0});
  } else if (roll < 24) {
    op.batch = true;
    const auto n = rng_.between(2, 4);
    for (std::uint64_t i = 0; i < n; ++i) {
      KeyOp k;
      k.key = static_cast<std::uint32_t>(rng_.below(keys_));
      k.del = rng_.percent(25);
      if (!k.del) k.value_len = draw_value_len(rng_);
      op.items.push_back(k);
    }
  } else {
    KeyOp k;
    k.key = static_cast<std::uint32_t>(rng_.below(keys_));
    k.value_len = draw_value_len(rng_);
    op.items.push_back(k);
  }
  return op;
}

std::string key_name(std::uint32_t writer, std::uint32_t key) {
  return fmt::format("w{:03}-k{:05}", writer, key);
}

namespace {
bool parse_uint(std::string_view s, std::uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_key(std::string_view key) {
  if (key.size() < 4 || key[0] != 'w') return std::nullopt;
  const auto dash = key.find("-k");
  if (dash == std::string_view::npos) return std::nullopt;
  std::uint64_t w = 0, k = 0;
  if (!parse_uint(key.substr(1, dash - 1), &w) || !parse_uint(key.substr(dash + 2), &k)) {
    return std::nullopt;
  }
  return std::make_pair(static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(k));
}

std::string value_for(std::uint32_t writer, std::uint64_t seq, std::uint32_t item,
                      std::uint32_t len) {
  std::string v = fmt::format("v{}.{}.{}|", writer, seq, item);
  std::uint64_t state = mix_seed(mix_seed(writer, seq), item);
  while (v.size() < len) {
    const std::uint64_t r = splitmix64(&state);
    for (int i = 0; i < 8 && v.size() < len; ++i) {
      v.push_back(static_cast<char>('a' + ((r >> (i * 8)) & 0xff) % 26));
    }
  }
  return v;
}

std::optional<ValueId> parse_value(std::string_view value) {
  if (value.empty() || value[0] != 'v') return std::nullopt;
  const auto bar = value.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  const auto body = value.substr(1, bar - 1);
  const auto d1 = body.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  const auto d2 = body.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  std::uint64_t w = 0, s = 0, i = 0;
  if (!parse_uint(body.substr(0, d1), &w) || !parse_uint(body.substr(d1 + 1, d2 - d1 - 1), &s) ||
      !parse_uint(body.substr(d2 + 1), &i)) {
    return std::nullopt;
  }
  return ValueId{static_cast<std::uint32_t>(w), s, static_cast<std::uint32_t>(i)};
}

}  // namespace walkv::crash
