// `walkv export` and `walkv import`: key/value pairs as JSON lines (json_bytes.h), for
// backups and bulk loads. An export is consistent: the one-shot process holds the database's
// lock, so no writer runs beside it.
#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "exit_codes.h"
#include "json_bytes.h"
#include "log_sizing.h"
#include "output.h"
#include "walkv/db.h"
#include "walkv/write_batch.h"

namespace walkv::cli {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Reads `file` ("-": stdin) whole. Returns 0 or the reported exit code.
int read_input(const std::string& file, std::string* text) {
  const bool from_stdin = file == "-";
  const std::string name = from_stdin ? "stdin" : file;
  const int fd = from_stdin ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return report_error(kExitFailure,
                        fmt::format("import: cannot open {}: {}", file, std::strerror(errno)));
  }
  char buffer[64 * 1024];
  int err = 0;
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text->append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      err = errno;
      break;
    }
  }
  if (!from_stdin) ::close(fd);
  if (err != 0) {
    return report_error(kExitFailure,
                        fmt::format("import: cannot read {}: {}", name, std::strerror(err)));
  }
  return kExitOk;
}

// Why the JSON line `line` is not one pair export writes, or empty with the pair in *pair.
std::string parse_pair(std::string_view line, std::pair<std::string, std::string>* pair) {
  const auto obj = nlohmann::json::parse(line, nullptr, false);
  if (obj.is_discarded()) return "not valid JSON";
  if (!obj.is_object()) return "not a JSON object";
  for (const auto& [name, field] : obj.items()) {
    if (name != "key" && name != "key_b64" && name != "value" && name != "value_b64") {
      return fmt::format("unknown field \"{}\" (pairs have key or key_b64, value or value_b64)",
                         name);
    }
  }
  std::string error;
  if (!get_bytes(obj, "key", &pair->first, &error)) return error;
  if (!get_bytes(obj, "value", &pair->second, &error)) return error;
  if (pair->first.empty()) return "empty key";
  if (pair->first.size() > kMaxKeySize) {
    return fmt::format("key of {} bytes exceeds the limit of {}", pair->first.size(), kMaxKeySize);
  }
  if (pair->second.size() > kMaxValueSize) {
    return fmt::format("value of {} bytes exceeds the limit of {}", pair->second.size(),
                       kMaxValueSize);
  }
  return "";
}

// Every pair of `text`; blank lines are skipped. Returns 0 or the reported exit code (2,
// naming the first bad line).
int parse_pairs(const std::string& file, std::string_view text, Pairs* pairs) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    std::pair<std::string, std::string> pair;
    if (std::string error = parse_pair(line, &pair); !error.empty()) {
      return report_error(kExitUsage, fmt::format("import: {} line {}: {}; nothing was imported",
                                                  file == "-" ? "stdin" : file, line_number, error));
    }
    pairs->push_back(std::move(pair));
  }
  return kExitOk;
}

}  // namespace

int cmd_export(const GlobalOptions& global, const KeyRange& range) {
  GlobalOptions as_json = global;
  as_json.json = true;
  return cmd_scan(as_json, range);
}

int cmd_import(const GlobalOptions& global, const std::string& file) {
  // Everything is read and checked first, so a bad line leaves the database as it was. The
  // engine keeps every key and value in memory anyway, so holding the input costs no more.
  std::string text;
  if (int code = read_input(file, &text); code != kExitOk) return code;
  Pairs pairs;
  if (int code = parse_pairs(file, text, &pairs); code != kExitOk) return code;
  text.clear();
  text.shrink_to_fit();

  std::size_t largest = 0;
  for (const auto& [key, value] : pairs) largest = std::max(largest, write_bound(key.size(), value.size()));
  OpenedDb opened = open_db(global, OpenIntent::kCreate, largest);
  if (!opened.db) return opened.exit_code;

  // Batches of about half the log buffer: one commit (and, in sync mode, one fdatasync) per
  // batch instead of per pair; a pair larger than that is a batch of its own.
  const std::size_t budget = std::max<std::size_t>(log_buffer_limit(global) / 2, 1);
  Lsn last = 0;
  std::size_t done = 0;
  WriteBatch batch;
  std::size_t batch_bytes = 0;
  std::size_t batch_pairs = 0;
  auto commit = [&]() -> Status {
    if (batch_pairs == 0) return Status::OK();
    auto lsn = opened.db->write(batch);
    if (!lsn.ok()) return lsn.status();
    last = lsn.value();
    done += batch_pairs;
    batch.clear();
    batch_bytes = 0;
    batch_pairs = 0;
    return Status::OK();
  };
  for (const auto& [key, value] : pairs) {
    const std::size_t bytes = write_bound(key.size(), value.size());
    if (batch_pairs > 0 && batch_bytes + bytes > budget) {
      if (Status s = commit(); !s.ok()) {
        return report_status(fmt::format("import: after {} of {} pairs", done, pairs.size()), s);
      }
    }
    batch.put(key, value);
    batch_bytes += bytes;
    ++batch_pairs;
  }
  if (Status s = commit(); !s.ok()) {
    return report_status(fmt::format("import: after {} of {} pairs", done, pairs.size()), s);
  }
  if (global.json) {
    outf("{}\n", json_line({{"imported", done}, {"lsn", last}}));
  } else {
    outf("imported={} lsn={}\n", done, last);
  }
  return kExitOk;
}

}  // namespace walkv::cli
