// The page size walkv maps, populates and aligns memory and file ranges to, and rounding
// up to it. 4 KiB: the x86-64 Linux page this engine is built and measured on.
#pragma once

#include <cstddef>

namespace walkv {

inline constexpr std::size_t kPageSize = 4096;
// `n` rounded up to a multiple of `to`.
constexpr std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

}  // namespace walkv
