// Judges a rot trial: what recovery made of a database at rest after media damage.
//
// The damage hit data that was durable — the first recovery had made everything it found
// durable before the bits were flipped — so no torn-write excuse applies. Recovery keeps
// the guarantee in one of two ways:
//   full     — it opened, and its key/value set is exactly the state at rest (no key
//              missing, no value changed, no key added) through the same last LSN, and it
//              took a new write and reopened to that state (the recovery process's check);
//   refused  — it did not open, with a Corruption error (Status::ToString() starts with
//              "Corruption") whose message names a damaged file by its file name, so an
//              operator knows what to restore.
// Anything else breaks it: opening with another state (silent loss or garbage; the last
// LSN counts, since losing the recovery marker's rewrite leaves the key set unchanged), an
// error of another kind or one that names no damaged file, a hang, a crashed process.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "recovery_dump.h"
#include "rot.h"

namespace walkv::crash {

// What the directory held when the bits were flipped.
struct RestState {
  std::vector<std::pair<std::string, std::string>> kv;  // every key, any order
  std::uint64_t last_lsn = 0;
};

enum class RotClass { kFull, kRefused, kBroken };
const char* rot_class_name(RotClass c);

struct RotVerdict {
  RotClass kind = RotClass::kBroken;
  // Broken only: it opened with a state other than the one at rest (silent loss, garbage);
  // counted as a prefix violation. Otherwise (wrong refusal, hang, crash, failed write
  // after recovery) it is counted as a recovery failure.
  bool wrong_state = false;
  std::vector<std::string> problems;  // why it is broken: the first few differences
};

// True when `message` names `file` as a whole name — alone or as a path's last component —
// not as part of a longer name (wal-….log.tmp, oldCONTROL).
bool names_file(const std::string& message, const std::string& file);

RotVerdict classify_rot(const RestState& expected, const std::vector<BitFlip>& flips,
                        const RecoveredState& recovered);

}  // namespace walkv::crash
