// Media damage for rot trials: which bits of a database at rest to flip, and flipping them.
//
// Rot models a disk that returns different bytes than were durably written (bit rot, a bad
// sector read back wrong): the damage hits durable data, where a torn-tail excuse cannot
// apply, so recovery must either recover everything or refuse. Only walkv's own files are
// damaged — segments `wal-<16 hex>.log`, snapshots `snapshot-<16 hex>.snap` and `CONTROL` —
// since a file under any other name is not walkv's to read.
//
// Every choice comes from a seed, so a failing trial replays with the same flips.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace walkv::crash {

// A walkv file in the directory at rest, as the flip chooser sees it.
struct RotTarget {
  std::string name;               // file name, no directory
  std::uint64_t size = 0;
  std::uint64_t nonzero_end = 0;  // one past the last non-zero byte (0: all zeros)
};

struct BitFlip {
  std::string file;               // file name, no directory
  std::uint64_t offset = 0;
  int bit = 0;                    // 0 (least significant) .. 7
  bool prefix_draw = false;       // drawn inside the non-zero prefix (else anywhere)
  std::uint64_t file_size = 0;    // for the report
  std::uint64_t nonzero_end = 0;
  unsigned char before = 0, after = 0;  // the byte, set by apply_flips
};

// True for the names rot damages: wal-<16 hex>.log, snapshot-<16 hex>.snap, CONTROL.
bool is_rot_target(std::string_view name);

// The rot targets of `dir`, sorted by name (so the choice below depends on the seed and
// the directory only). Empty string on success, else what went wrong.
std::string list_rot_targets(const std::string& dir, std::vector<RotTarget>* out);

// `bits` distinct flips (file, byte, bit), drawn from `seed`. Each picks a non-empty
// target uniformly, then a byte: with probability 3/4 inside its non-zero prefix
// [0, nonzero_end) — most of a preallocated segment is zeros past its records, and damage
// there only hits bytes nobody reads — and otherwise anywhere in the file. A file of zeros
// is drawn from anywhere. Empty when no target has a byte. Pure.
std::vector<BitFlip> choose_flips(const std::vector<RotTarget>& targets, std::uint64_t seed,
                                  int bits);

// Flips each bit in place (pread, xor, pwrite) and records the byte before and after.
// Not synced: the recovery that follows reads through the same page cache. Empty string on
// success.
std::string apply_flips(const std::string& dir, std::vector<BitFlip>* flips);

// "bit 3 of byte 1234 (0x5a -> 0x52) in wal-0000000000000002.log (2097152 bytes, non-zero
// through byte 40311; drawn in that prefix)".
std::string describe_flip(const BitFlip& f);

}  // namespace walkv::crash
