// The options every `walkv` command shares, and opening the database they describe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "walkv/db.h"
#include "walkv/options.h"

namespace walkv::cli {

struct GlobalOptions {
  std::string dir = "./walkv-data";
  CommitMode mode = CommitMode::kSync;
  // Unset: the engine's defaults (Options{}).
  std::optional<std::chrono::microseconds> flush_interval;
  std::optional<std::size_t> flush_bytes;
  IoBackend io_backend = IoBackend::kAuto;
  // Show the engine's info messages (backend choice, recovery), not only its warnings.
  bool verbose = false;
  // Unset: kDefaultSegmentBytes (log_sizing.h).
  std::optional<std::uint64_t> segment_bytes;
  // Answers as JSON (json_bytes.h) instead of text.
  bool json = false;
  // One-shot key, value, prefix and range arguments are in the escaped form (escape.h).
  bool escaped = false;
};

// The engine Options for these settings, with a log large enough for one write of
// `largest_write` bytes (log_sizing.h; 0: the default limit). The logger prints warnings on
// stderr as "walkv: warning: ..." and info messages only when verbose.
Options engine_options(const GlobalOptions& global, std::size_t largest_write = 0);

enum class OpenIntent {
  kCreate,    // writes: create the directory if it is missing
  kExisting,  // reads: the directory must be a walkv database (see check_database_dir)
};

struct OpenedDb {
  std::unique_ptr<DB> db;  // null on failure
  int exit_code = 0;       // on failure: the exit code; the error line is already printed
};

// Checks the directory (exists as required, is a directory, is accessible, and for
// kExisting is a database), then opens it. Errors are reported with report_error(): a
// locked directory, one that is a regular file, unreadable or not a database, or a failed
// recovery exit 3; options the engine rejects exit 2.
OpenedDb open_db(const GlobalOptions& global, OpenIntent intent, std::size_t largest_write = 0);

// For the commands that only read: checks that `dir` is a readable directory that holds a
// walkv database, i.e. a CONTROL file or a WAL segment by its exact name
// (wal-<16 lowercase hex digits>.log) — names that merely look alike (wal-notes.log) do
// not count, and neither does a LOCK. Nothing is created or changed: a read must never
// turn a missing or foreign directory into a database. Reports the error ("<dir> is not a
// walkv database ...", exit 3) and returns its exit code, or 0.
int check_database_dir(const std::string& dir);

const char* backend_name(IoBackend backend);

}  // namespace walkv::cli
