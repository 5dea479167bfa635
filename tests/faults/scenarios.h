// The scenarios the fault suite replays: a fixed script of steps per scenario, drawn from a
// seed, so that every rerun performs the same I/O operations in the same per-file order.
//
// Sizes are chosen so that each of scenarios (a)-(c) crosses one segment boundary (64 KiB
// segments, a 16 KiB log buffer, ~1-3 KiB records) and stops before the second segment is
// half full: the spare segment the engine prepares in the background is then always one
// the scenario needs, and its preparation is part of every run rather than a race with
// close. (d) and (e) open a prepared copy: (d)'s spare is already in it, and (e) stays
// below the half of its last segment, so it prepares none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bug_switch.h"
#include "walkv/io_hooks.h"
#include "walkv/options.h"
#include "write_model.h"

namespace walkv::faults {

struct Step {
  enum class Kind : unsigned char {
    kWrite,        // put()/del() for one operation, write(WriteBatch) for several
    kWaitDurable,  // wait_durable(LSN of the last write, 5 s)
    kSync,         // sync()
    kCheckpoint,   // checkpoint()
  };
  Kind kind = Kind::kWrite;
  std::vector<Mutation> ops;        // kWrite
  bool as_batch = false;            // kWrite: through write(WriteBatch)
  std::optional<CommitMode> mode;   // kWrite: WriteOptions::mode
};

struct Scenario {
  std::string name;
  Options options;               // the runner installs io_hooks and a quiet logger
  std::vector<Step> steps;
  std::string base_dir;          // non-empty: its files are copied in before the open
  KvState base_state;            // what base_dir holds after recovery
  Lsn base_lsn = 0;              // its last LSN after recovery
  // Only for the self-check, with the `walkv_buggy` library: a deliberately broken engine.
  std::optional<Bug> bug;
};

// (a) sync writes, single and batched, across a segment boundary.
Scenario sync_writes_scenario(std::uint64_t seed);
// (b) async writes flushed by the background flusher in groups (wait_durable), a per-write
// sync override, then sync().
Scenario async_writes_scenario(std::uint64_t seed, IoBackend backend);
// (c) sync writes with async overrides, interleaved with two checkpoints (the second
// deletes the covered segment and the first snapshot).
Scenario checkpoint_scenario(std::uint64_t seed);
// (d) recovery: builds in base_dir a database with a snapshot, two segments, a prepared
// spare, a torn last record and a leftover temporary file; the scenario opens a copy of it
// (the operations under test) and then writes twice.
Scenario recovery_scenario(std::uint64_t seed, const std::string& base_dir);
// (e) a checkpoint large enough for the snapshot's write-behind (over two 1 MiB windows):
// builds in base_dir a database of 2.3 MiB in three 1 MiB segments; the scenario opens a
// copy, writes, checkpoints (retiring two segments) and writes again.
Scenario large_checkpoint_scenario(std::uint64_t seed, const std::string& base_dir);

}  // namespace walkv::faults
