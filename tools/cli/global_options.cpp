#include "global_options.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "exit_codes.h"
#include "log_sizing.h"

namespace walkv::cli {
namespace {

constexpr const char* kNotADatabase = "is not a walkv database (no CONTROL or wal-*.log)";

// 0 when `dir` passes the checks for `intent` and access(2) grants `access_mode`, else the
// reported exit code.
int check_dir(const std::string& dir, OpenIntent intent, int access_mode) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT && intent == OpenIntent::kCreate) return 0;  // the engine creates it
    if (err == ENOENT) {
      return report_error(kExitFailure,
                          fmt::format("{} {}: the directory does not exist", dir, kNotADatabase));
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

// The exact name of a WAL segment: "wal-" + 16 lowercase hex digits + ".log".
bool is_segment_name(std::string_view name) {
  constexpr std::string_view kPrefix = "wal-";
  constexpr std::string_view kSuffix = ".log";
  constexpr std::size_t kDigits = 16;
  if (name.size() != kPrefix.size() + kDigits + kSuffix.size()) return false;
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return false;
  for (char c : name.substr(kPrefix.size(), kDigits)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// 0 if `dir` (an accessible directory) holds CONTROL or a WAL segment, else the reported
// exit code. LOCK does not count: any earlier open, even of a foreign directory, leaves one.
int check_holds_database(const std::string& dir) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == "CONTROL" || is_segment_name(name)) return 0;
  }
  if (ec) {
    return report_error(kExitFailure, fmt::format("cannot read {}: {}", dir, ec.message()));
  }
  return report_error(kExitFailure, fmt::format("{} {}", dir, kNotADatabase));
}

}  // namespace


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

Options engine_options(const GlobalOptions& global, std::size_t largest_write) {
  Options options;
  options.mode = global.mode;
  if (global.flush_interval) options.flush_interval = *global.flush_interval;
  const LogSizing sizing = log_sizing(global, largest_write);
  options.segment_bytes = sizing.segment_bytes;
  options.log_buffer_bytes = sizing.log_buffer_bytes;
  options.flush_bytes = sizing.flush_bytes;
  options.io_backend = global.io_backend;
  options.create_if_missing = true;
  const bool verbose = global.verbose;
  options.logger = [verbose](LogLevel level, std::string_view message) {
    if (level == LogLevel::kInfo && !verbose) return;
    // One fwrite per line: lines from concurrent engine threads do not interleave. Not
    // fmt::print, which throws on a failing stderr, inside an engine thread.
    const std::string line =
        fmt::format("walkv: {}{}\n", level == LogLevel::kWarning ? "warning: " : "", message);
    std::fwrite(line.data(), 1, line.size(), stderr);
  };
  return options;
}

OpenedDb open_db(const GlobalOptions& global, OpenIntent intent, std::size_t largest_write) {
  OpenedDb opened;
  if (int code = check_dir(global.dir, intent, R_OK | W_OK | X_OK); code != 0) {
    opened.exit_code = code;
    return opened;
  }
  // A read must not turn a directory that is not a database (a typo, ".") into one.
  if (intent == OpenIntent::kExisting) {
    if (int code = check_holds_database(global.dir); code != 0) {
      opened.exit_code = code;
      return opened;
    }
  }
  auto db = DB::open(global.dir, engine_options(global, largest_write));
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

int check_database_dir(const std::string& dir) {
  if (int code = check_dir(dir, OpenIntent::kExisting, R_OK | X_OK); code != 0) return code;
  return check_holds_database(dir);
}

}  // namespace walkv::cli
