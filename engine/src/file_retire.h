// Deleting the files a checkpoint no longer needs (the WAL segments its snapshot covers, and
// older snapshots) without sending their whole size to the disk as one discard.
//
// Why: on a file system mounted with `discard` (as the machines walkv is measured on are),
// freeing a file's blocks sends a discard of that size to the device, and the WAL's
// fdatasyncs wait behind it. Invariant: a retirement frees at most kRetireStep (32 MiB) per
// fdatasync. Unlinking a 250 MB snapshot at once held a sync put 61-73 ms; in steps, 13-36
// ms (docs/performance.md, "Checkpoints"; BM_Checkpoint's during_max_us guards it).
//
// How: every file is first renamed to its name + ".tmp", which recovery deletes at open,
// and the directory is fsynced. Only then is each file truncated to nothing in kStep steps,
// each made durable by fdatasync (so each commits, and discards, on its own), and unlinked.
// Truncating under the old name would leave, after an error or a crash half way, a covered
// segment or a snapshot cut short under a name that recovery reads.
//
// Errors: returns the first; what it leaves behind has a ".tmp" name and goes at the next
// open. Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "file_io.h"

namespace walkv {

inline constexpr std::uint64_t kRetireStep = std::uint64_t{32} << 20;

Status retire_files(const FileSystem& fs, const std::string& dir,
                    const std::vector<std::string>& paths);

}  // namespace walkv
