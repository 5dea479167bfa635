#include "commands.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "escape.h"
#include "exit_codes.h"
#include "output.h"
#include "stats_format.h"
#include "units.h"
#include "walkv/db.h"

namespace walkv::cli {
namespace {

// Reads all of stdin into *out. Returns 0 or the reported exit code.
int read_stdin_value(std::string* out) {
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n == 0) return kExitOk;
    if (n < 0) {
      if (errno == EINTR) continue;
      return report_error(kExitFailure,
                          fmt::format("reading the value from stdin: {}", std::strerror(errno)));
    }
    out->append(buffer, static_cast<std::size_t>(n));
    if (out->size() > kMaxValueSize) {
      return report_error(kExitUsage, fmt::format("the value on stdin is larger than {} (the "
                                                  "engine's limit)",
                                                  format_bytes(kMaxValueSize)));
    }
  }
}

// "<command> <key>" for an error line, the key cut short: a key may be 16 KiB.
std::string context(std::string_view command, std::string_view key) {
  constexpr std::size_t kShown = 64;
  if (key.size() <= kShown) return fmt::format("{} {}", command, quote_word(key));
  return fmt::format("{} {}... ({} bytes)", command, quote_word(key.substr(0, kShown)), key.size());
}

int finish_write(const Result<Lsn>& lsn, std::string_view what, const std::string& key) {
  if (!lsn.ok()) return report_status(context(what, key), lsn.status());
  outf("lsn={}\n", lsn.value());
  return kExitOk;
}

}  // namespace

int cmd_put(const GlobalOptions& global, const std::string& key, const std::string& value) {
  std::string from_stdin;
  const bool use_stdin = value == "-";
  if (use_stdin) {
    if (int code = read_stdin_value(&from_stdin); code != kExitOk) return code;
  }
  OpenedDb opened = open_db(global, OpenIntent::kCreate);
  if (!opened.db) return opened.exit_code;
  auto lsn = opened.db->put(key, use_stdin ? from_stdin : value);
  return finish_write(lsn, "put", key);
}

int cmd_get(const GlobalOptions& global, const std::string& key, bool raw) {
  OpenedDb opened = open_db(global, OpenIntent::kExisting);
  if (!opened.db) return opened.exit_code;
  auto value = opened.db->get(key);
  if (value.status().IsNotFound()) {
    std::fputs("(not found)\n", stderr);
    return kExitNotFound;
  }
  if (!value.ok()) return report_status(context("get", key), value.status());
  if (raw) {
    out(value.value());
  } else {
    outf("{}\n", escape_bytes(value.value()));
  }
  return kExitOk;
}

int cmd_del(const GlobalOptions& global, const std::string& key) {
  OpenedDb opened = open_db(global, OpenIntent::kCreate);
  if (!opened.db) return opened.exit_code;
  auto lsn = opened.db->del(key);
  return finish_write(lsn, "del", key);
}

int cmd_scan(const GlobalOptions& global, const std::string& prefix, std::size_t limit) {
  OpenedDb opened = open_db(global, OpenIntent::kExisting);
  if (!opened.db) return opened.exit_code;
  ScanOptions so;
  so.prefix = prefix;
  so.limit = limit;
  Status s = opened.db->scan(so, [](std::string_view key, std::string_view value) {
    outf("{}\t{}\n", escape_bytes(key), escape_bytes(value));
    return !output_failed();  // no use reading on into a full disk or a closed pipe
  });
  if (!s.ok()) return report_status("scan", s);
  return kExitOk;
}

int cmd_checkpoint(const GlobalOptions& global) {
  OpenedDb opened = open_db(global, OpenIntent::kExisting);
  if (!opened.db) return opened.exit_code;
  auto lsn = opened.db->checkpoint();
  if (!lsn.ok()) return report_status("checkpoint", lsn.status());
  outf("snapshot_lsn={}\n", lsn.value());
  return kExitOk;
}

int cmd_stats(const GlobalOptions& global) {
  OpenedDb opened = open_db(global, OpenIntent::kExisting);
  if (!opened.db) return opened.exit_code;
  out(format_stats_lines(opened.db->stats()));
  return kExitOk;
}

}  // namespace walkv::cli
