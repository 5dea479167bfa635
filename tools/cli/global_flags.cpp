#include "global_flags.h"

#include <fmt/core.h>


#include "log_sizing.h"
#include "units.h"

namespace walkv::cli {
namespace {

// Kept beside add_global_options(): an option added there belongs here too.
constexpr std::string_view kGlobalNames[] = {
    "--dir",        "-d",   "--mode", "--flush-interval", "--flush-bytes", "--segment-bytes",
    "--io-backend", "--json", "-j",   "--escaped",        "-e",            "--verbose",
    "-v"};

[[noreturn]] void refuse(const std::string& option, const std::string& problem) {
  throw CLI::ValidationError(option, problem);
}

}  // namespace

bool is_global_option(std::string_view name) {
  for (std::string_view n : kGlobalNames) {
    if (n == name) return true;
  }
  return false;
}

void add_global_options(CLI::App& app, GlobalOptions& g, GlobalFlagTexts& texts) {
  app.add_option("--dir,-d", g.dir, "Database directory")
      ->check([](const std::string& dir) {
        return dir.empty() ? std::string("empty database directory") : std::string();
      })
      ->capture_default_str()
      ->type_name("DIR");
  app.add_option_function<std::string>(
         "--mode",
         [&g](const std::string& text) {
           // The engine's own parser: a mode it gains is accepted here without a change.
           if (!parse_commit_mode(text, &g.mode)) {
             refuse("--mode", fmt::format("'{}' is not a commit mode (sync, os, async)", text));
           }
         },
         "Commit mode of writes: sync (durable when acknowledged), os (handed to the kernel) "
         "or async (buffered, flushed every --flush-interval)")
      ->default_str("sync")
      ->type_name("sync|os|async");
  app.add_option_function<std::string>(
         "--flush-interval",
         [&g](const std::string& text) {
           if (auto d = tool::parse_duration(text)) {
             g.flush_interval = *d;
           } else {
             refuse("--flush-interval", tool::duration_error(text));
           }
         },
         "Async flusher period, e.g. 500us, 5ms, 1s (the unit is required)")
      ->default_str("5ms")
      ->type_name("DURATION");
  app.add_option_function<std::string>(
         "--flush-bytes",
         [&g, &texts](const std::string& text) {
           if (auto n = tool::parse_byte_size(text)) {
             g.flush_bytes = *n;
             texts.flush_bytes = text;
           } else {
             refuse("--flush-bytes", tool::byte_size_error(text));
           }
         },
         "Async flusher also starts once this many bytes are pending, e.g. 64K; at most "
         "--segment-bytes less 8K")
      ->default_str("256K")
      ->type_name("BYTES");
  app.add_option_function<std::string>(
         "--segment-bytes",
         [&g](const std::string& text) {
           auto n = tool::parse_byte_size(text);
           if (!n) refuse("--segment-bytes", tool::byte_size_error(text));
           if (*n < kMinSegmentBytes || *n > kMaxSegmentBytes) {
             refuse("--segment-bytes", fmt::format("'{}' is outside 64K..1G", text));
           }
           g.segment_bytes = *n;
         },
         "Size of each new WAL file (a database takes about two of them before its data); "
         "writes up to this less 8K fit, larger one-shot puts and imports grow it")
      ->default_str("1M")
      ->type_name("BYTES");
  app.add_option_function<std::string>(
         "--io-backend",
         [&g](const std::string& text) {
           if (text == "auto") {
             g.io_backend = IoBackend::kAuto;
           } else if (text == "uring") {
             g.io_backend = IoBackend::kUring;
           } else if (text == "posix") {
             g.io_backend = IoBackend::kPosix;
           } else {
             refuse("--io-backend", fmt::format("'{}' is not auto, uring or posix", text));
           }
         },
         "Async flusher I/O: auto (io_uring if available), uring, posix")
      ->default_str("auto")
      ->type_name("auto|uring|posix");
  app.add_flag("--json,-j", g.json, "Print every answer as JSON (keys and values binary-safe)");
  app.add_flag("--escaped,-e", g.escaped,
               "Read KEY, VALUE, --prefix, --from and --to in the escaped form walkv prints "
               "(\\\\ \\n \\t \\r \\xHH)");
  app.add_flag("--verbose,-v", g.verbose, "Also print the engine's info messages");
}

std::string check_global_options(const GlobalOptions& global, const GlobalFlagTexts& texts) {
  if (global.flush_bytes && *global.flush_bytes > log_buffer_limit(global)) {
    return fmt::format(
        "--flush-bytes: '{}' is above the limit of {} (--segment-bytes {} less 8K); "
        "see walkv --help",
        texts.flush_bytes, tool::format_bytes(log_buffer_limit(global)),
        tool::format_bytes(global.segment_bytes.value_or(kDefaultSegmentBytes)));
  }
  return "";
}

}  // namespace walkv::cli
