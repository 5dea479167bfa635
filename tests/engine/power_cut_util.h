// The worst power cut the crash simulator can draw, applied to a test's directory from the
// I/O ledger its processes kept: every unsynced write reverted, nothing torn, every
// un-fsynced directory operation undone. Shared by the engine tests that cut the power.
#pragma once

#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "ledger.h"
#include "power_cut.h"

namespace walkv::test {

// Returns what the cut did, for the caller's failure messages.
inline crash::PowerCutReport worst_power_cut(const crash::SharedRegion& region, const std::string& dir,
                            const std::string& shadow, std::uint64_t seed) {
  crash::LedgerContents ledger;
  REQUIRE(crash::read_ledger(region.data(), region.size(), &ledger).empty());
  REQUIRE_FALSE(ledger.overflow);
  crash::PowerCutOptions worst;
  worst.sector_keep_percent = 0;
  worst.tear_percent = 0;
  worst.undo_unsynced_dir_ops = true;
  crash::PowerCutReport cut;
  REQUIRE(crash::apply_power_cut(ledger, dir, shadow, seed, worst, &cut).empty());
  return cut;
}

}  // namespace walkv::test
