// The one-shot `walkv` commands. Each opens the DB (or, for verify and dump, only reads the
// directory), does one thing, prints its result on stdout (output.h) — as text, or with
// --json as JSON (json_bytes.h) — and returns the process exit code (exit_codes.h);
// failures have already printed their "error:" line. main() flushes stdout and turns an
// output that could not be written into exit 3.
//
// Read commands (get, scan, export, stats, checkpoint, verify, dump) refuse a directory
// that is not a walkv database before touching it (global_options.h), so they never create
// anything in a directory that is missing or holds someone else's files.
//
// Keys, values and ranges arrive decoded: main() has applied --escaped.
#pragma once

#include <cstddef>
#include <string>

#include "global_options.h"

namespace walkv::cli {

// Which keys a scan or an export visits: those starting with prefix and in [from, to)
// (to empty: no upper bound), in byte-wise order, at most limit of them (0: all).
struct KeyRange {
  std::string prefix;
  std::string from;
  std::string to;
  std::size_t limit = 0;
};

// Prints "lsn=N" ({"lsn":N}). With from_stdin the value is read from stdin (binary-safe,
// up to kMaxValueSize) and `value` is ignored.
int cmd_put(const GlobalOptions& global, const std::string& key, const std::string& value,
            bool from_stdin);
// Prints the value escaped plus a newline, or with raw the bytes unchanged and nothing else
// ({"found":true,"key":..,"value":..}). Absent: "(not found)" on stderr
// ({"found":false,"key":..} on stdout), exit 1.
int cmd_get(const GlobalOptions& global, const std::string& key, bool raw);
// Prints "lsn=N" (deleting an absent key also writes a record).
int cmd_del(const GlobalOptions& global, const std::string& key);
// "key<TAB>value" lines in key order, both escaped (JSON lines {"key":..,"value":..}).
int cmd_scan(const GlobalOptions& global, const KeyRange& range);
// Prints "snapshot_lsn=N".
int cmd_checkpoint(const GlobalOptions& global);
// "name  value" lines from DB::stats() (stats_format.h).
int cmd_stats(const GlobalOptions& global);

// JSON lines, one {"key":..,"value":..} per pair (transfer_commands.cpp).
int cmd_export(const GlobalOptions& global, const KeyRange& range);
// Reads export's JSON lines from `file` ("-": stdin) and puts every pair. Checks every line
// before it writes anything. Prints "imported=N lsn=L".
int cmd_import(const GlobalOptions& global, const std::string& file);

// Read-only (never locks, trims or writes the directory); see inspect_commands.cpp.
// Summary of every snapshot and segment; exit 3 on corruption.
int cmd_verify(const GlobalOptions& global);
// One line per WAL operation: segment, offset, LSN, type, key, value size.
int cmd_dump(const GlobalOptions& global);

}  // namespace walkv::cli
