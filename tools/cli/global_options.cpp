#include "global_options.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include "exit_codes.h"

namespace walkv::cli {
namespace {

// 0 when `dir` passes the checks for `intent` and access(2) grants `access_mode`, else the
// reported exit code.
int check_dir(const std::string& dir, OpenIntent intent, int access_mode) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT && intent == OpenIntent::kCreate) return 0;  // the engine creates it
    if (err == ENOENT) {
      return report_error(kExitFailure,
                          fmt::format("no database at {}: the directory does not exist", dir));
    }
    return report_error(kExitFailure, fmt::format("cannot access {}: {}", dir, std::strerror(err)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return report_error(kExitFailure,
                        fmt::format("{} is not a directory (--dir must name a directory)", dir));
  }
  if (::access(dir.c_str(), access_mode) != 0) {
    const int err = errno;
    return report_error(kExitFailure, fmt::format("cannot access {}: {}", dir, std::strerror(err)));
  }
  return 0;
}

// True if `dir` holds a file walkv writes: its LOCK, a WAL segment or a snapshot.
bool holds_database(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    auto has = [&](std::string_view prefix, std::string_view suffix) {
      return name.size() >= prefix.size() + suffix.size() && name.starts_with(prefix) &&
             name.ends_with(suffix);
    };
    if (name == "LOCK" || has("wal-", ".log") || has("snapshot-", ".snap")) return true;
  }
  return false;
}

}  // namespace

const char* mode_name(CommitMode mode) { return mode == CommitMode::kSync ? "sync" : "async"; }

const char* backend_name(IoBackend backend) {
  switch (backend) {
    case IoBackend::kAuto:
      return "auto";
    case IoBackend::kUring:
      return "uring";
    case IoBackend::kPosix:
      return "posix";
  }
  return "auto";
}

Options engine_options(const GlobalOptions& global) {
  Options options;
  options.mode = global.mode;
  if (global.flush_interval) options.flush_interval = *global.flush_interval;
  if (global.flush_bytes) options.flush_bytes = *global.flush_bytes;
  options.io_backend = global.io_backend;
  options.create_if_missing = true;
  const bool verbose = global.verbose;
  options.logger = [verbose](LogLevel level, std::string_view message) {
    if (level == LogLevel::kInfo && !verbose) return;
    // One fmt::print is one fwrite: lines from concurrent engine threads do not interleave.
    fmt::print(stderr, "walkv: {}{}\n", level == LogLevel::kWarning ? "warning: " : "", message);
  };
  return options;
}

OpenedDb open_db(const GlobalOptions& global, OpenIntent intent) {
  OpenedDb opened;
  if (int code = check_dir(global.dir, intent, R_OK | W_OK | X_OK); code != 0) {
    opened.exit_code = code;
    return opened;
  }
  // A read must not turn a directory that is not a database (a typo, ".") into one.
  if (intent == OpenIntent::kExisting && !holds_database(global.dir)) {
    opened.exit_code = report_error(
        kExitFailure,
        fmt::format("no database at {}: the directory holds no walkv files", global.dir));
    return opened;
  }
  auto db = DB::open(global.dir, engine_options(global));
  if (!db.ok()) {
    const Status& s = db.status();
    if (s.IsBusy()) {
      opened.exit_code = report_error(
          kExitFailure, fmt::format("cannot open {}: the database is locked by another process "
                                    "({})",
                                    global.dir, s.ToString()));
    } else if (s.IsInvalidArgument()) {
      opened.exit_code =
          report_error(kExitUsage, fmt::format("bad options for {}: {}", global.dir, s.ToString()));
    } else {
      // NotFound from open() is not "key not found": it is a failure to open (exit 3).
      opened.exit_code =
          report_error(kExitFailure, fmt::format("cannot open {}: {}", global.dir, s.ToString()));
    }
    return opened;
  }
  opened.db = std::move(db).value();
  return opened;
}

int check_existing_dir(const std::string& dir) {
  return check_dir(dir, OpenIntent::kExisting, R_OK | X_OK);
}

}  // namespace walkv::cli
