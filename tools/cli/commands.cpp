#include "commands.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "escape.h"
#include "exit_codes.h"
#include "json_bytes.h"
#include "log_sizing.h"
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
                                                  tool::format_bytes(kMaxValueSize)));
    }
  }
}

// "<command> <key>" for an error line, the key cut short: a key may be 16 KiB.
std::string context(std::string_view command, std::string_view key) {
  constexpr std::size_t kShown = 64;
  if (key.size() <= kShown) return fmt::format("{} {}", command, quote_word(key));
  return fmt::format("{} {}... ({} bytes)", command, quote_word(key.substr(0, kShown)), key.size());
}

int finish_write(const GlobalOptions& global, const Result<Lsn>& lsn, std::string_view what,
                 const std::string& key) {
  if (!lsn.ok()) return report_status(context(what, key), lsn.status());
  if (global.json) {
    outf("{}\n", json_line({{"lsn", lsn.value()}}));
  } else {
    outf("lsn={}\n", lsn.value());
  }
  return kExitOk;
}

}  // namespace

int cmd_put(const GlobalOptions& global, const std::string& key, const std::string& value,
            bool from_stdin) {
  std::string from_stdin_value;
  if (from_stdin) {
    if (int code = read_stdin_value(&from_stdin_value); code != kExitOk) return code;
  }
  const std::string& v = from_stdin ? from_stdin_value : value;
  // A value larger than the default log buffer grows it for this process only.
  OpenedDb opened = open_db(global, OpenIntent::kCreate, write_bound(key.size(), v.size()));
  if (!opened.db) return opened.exit_code;
  auto lsn = opened.db->put(key, v);
  return finish_write(global, lsn, "put", key);
}

int cmd_get(const GlobalOptions& global, const std::string& key, bool raw) {
  OpenedDb opened = open_db(global, OpenIntent::kExisting);
  if (!opened.db) return opened.exit_code;
  auto value = opened.db->get(key);
  if (value.status().IsNotFound()) {
    if (global.json) {
      nlohmann::json answer = {{"found", false}};
      set_bytes(answer, "key", key);
      outf("{}\n", json_line(answer));
    } else {
      std::fputs("(not found)\n", stderr);
    }
    return kExitNotFound;
  }
  if (!value.ok()) return report_status(context("get", key), value.status());
  if (raw) {
    out(value.value());
  } else if (global.json) {
    nlohmann::json answer = {{"found", true}};
    set_bytes(answer, "key", key);
    set_bytes(answer, "value", value.value());
    outf("{}\n", json_line(answer));
  } else {
    outf("{}\n", escape_bytes(value.value()));
  }
  return kExitOk;
}

int cmd_del(const GlobalOptions& global, const std::string& key) {
  OpenedDb opened = open_db(global, OpenIntent::kCreate);
  if (!opened.db) return opened.exit_code;
  auto lsn = opened.db->del(key);
  return finish_write(global, lsn, "del", key);
}

int cmd_scan(const GlobalOptions& global, const KeyRange& range) {
  OpenedDb opened = open_db(global, OpenIntent::kExisting);
  if (!opened.db) return opened.exit_code;
  ScanOptions so;
  so.prefix = range.prefix;
  so.start = range.from;
  so.end = range.to;
  so.limit = range.limit;
  const bool json = global.json;
  Status s = opened.db->scan(so, [json](std::string_view key, std::string_view value) {
    if (json) {
      nlohmann::json pair = nlohmann::json::object();
      set_bytes(pair, "key", key);
      set_bytes(pair, "value", value);
      outf("{}\n", json_line(pair));
    } else {
      outf("{}\t{}\n", escape_bytes(key), escape_bytes(value));
    }
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
  if (global.json) {
    outf("{}\n", json_line({{"snapshot_lsn", lsn.value()}}));
  } else {
    outf("snapshot_lsn={}\n", lsn.value());
  }
  return kExitOk;
}

int cmd_stats(const GlobalOptions& global) {
  OpenedDb opened = open_db(global, OpenIntent::kExisting);
  if (!opened.db) return opened.exit_code;
  if (global.json) {
    outf("{}\n", json_line(stats_json(opened.db->stats())));
  } else {
    out(format_stats_lines(opened.db->stats()));
  }
  return kExitOk;
}

}  // namespace walkv::cli
