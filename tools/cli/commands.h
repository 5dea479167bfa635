// The one-shot `walkv` commands. Each opens the DB (or, for verify and dump, only reads the
// directory), does one thing, prints its result on stdout (output.h) and returns the process
// exit code (exit_codes.h); failures have already printed their "error:" line. main()
// flushes stdout and turns an output that could not be written into exit 3.
//
// Read commands (get, scan, stats, checkpoint, verify, dump) refuse a directory that is not
// a walkv database before touching it (global_options.h), so they never create anything in
// a directory that is missing or holds someone else's files.
#pragma once

#include <cstddef>
#include <string>

#include "global_options.h"

namespace walkv::cli {

// Prints "lsn=N". value "-" reads the value from stdin (binary-safe, up to kMaxValueSize).
int cmd_put(const GlobalOptions& global, const std::string& key, const std::string& value);
// Prints the value escaped plus a newline, or with raw the bytes unchanged and nothing else.
// Absent: "(not found)" on stderr, exit 1.
int cmd_get(const GlobalOptions& global, const std::string& key, bool raw);
// Prints "lsn=N" (deleting an absent key also writes a record).
int cmd_del(const GlobalOptions& global, const std::string& key);
// "key<TAB>value" lines in key order, both escaped; limit 0 is no limit.
int cmd_scan(const GlobalOptions& global, const std::string& prefix, std::size_t limit);
// Prints "snapshot_lsn=N".
int cmd_checkpoint(const GlobalOptions& global);
// "name  value" lines from DB::stats().
int cmd_stats(const GlobalOptions& global);

// Read-only (never locks, trims or writes the directory); see inspect_commands.cpp.
// Summary of every snapshot and segment; exit 3 on corruption.
int cmd_verify(const GlobalOptions& global);
// One line per WAL operation: segment, offset, LSN, type, key, value size.
int cmd_dump(const GlobalOptions& global);

}  // namespace walkv::cli
