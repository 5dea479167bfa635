// ShellSession: one command line in, one answer out (shell.h describes the answers).
#include <fmt/core.h>

#include <charconv>
#include <chrono>
#include <cstddef>

#include "escape.h"
#include "exit_codes.h"
#include "json_bytes.h"
#include "log_sizing.h"
#include "shell.h"
#include "shell_commands.h"
#include "shell_lexer.h"
#include "stats_format.h"
#include "units.h"

namespace walkv::cli {
namespace {

constexpr std::size_t kDefaultScanLimit = 100;

std::chrono::nanoseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::steady_clock::now() - start;
}

// "(1 pair)", "(2 pairs)": the closing line of a multi-line answer.
std::string count_line(std::size_t n, const char* noun, std::string_view more = "") {
  return fmt::format("({} {}{}{})", n, noun, n == 1 ? "" : "s", more);
}

}  // namespace

ShellAnswer ShellSession::ok(std::string text, nlohmann::json fields) const {
  ShellAnswer answer;
  if (json_) {
    nlohmann::json obj = {{"ok", true}};
    obj.update(fields);
    answer.text = json_line(obj);
  } else {
    answer.text = std::move(text);
  }
  return answer;
}

ShellAnswer ShellSession::fail(int exit_code, const std::string& message) const {
  ShellAnswer answer;
  answer.exit_code = exit_code;
  answer.error = message;
  answer.text = json_ ? json_line({{"ok", false}, {"error", message}})
                      : "ERR " + escape_bytes(message);
  return answer;
}

ShellAnswer ShellSession::fail(const Status& status) const {
  return fail(exit_code_for(status), status.ToString());
}

ShellAnswer ShellSession::timed(std::string text, nlohmann::json fields,
                               std::chrono::nanoseconds latency, bool durable) const {
  if (timer_) {
    text += " " + tool::format_latency(latency) + (durable ? " durable" : "");
    fields["latency_us"] = std::chrono::duration<double, std::micro>(latency).count();
  }
  return ok(std::move(text), std::move(fields));
}

std::optional<ShellAnswer> ShellSession::execute(std::string_view line, bool* quit) {
  *quit = false;
  Words words;
  std::string error;
  if (!split_words(line, &words, &error)) return fail(kExitUsage, error);
  if (words.empty()) return std::nullopt;
  std::string command = to_lower(words[0]);
  if (command == ".timer") command = "timer";  // the spelling other shells use for it
  return dispatch(command, words, quit);
}

ShellAnswer ShellSession::dispatch(const std::string& command, const Words& words, bool* quit) {
  auto usage_ok = [&](std::size_t min_words, std::size_t max_words) {
    return words.size() >= min_words && words.size() <= max_words;
  };
  auto usage = [&]() {
    for (const ShellCommandInfo& c : shell_commands()) {
      if (command == c.name) return fail(kExitUsage, fmt::format("usage: {}", c.usage));
    }
    return fail(kExitUsage, "usage");
  };
  if (command == "put") return usage_ok(3, 3) ? put(words) : usage();
  if (command == "get") return usage_ok(2, 2) ? get(words) : usage();
  if (command == "del") return usage_ok(2, 2) ? del(words) : usage();
  if (command == "scan") return usage_ok(1, 3) ? scan(words, false) : usage();
  if (command == "range") return usage_ok(3, 4) ? scan(words, true) : usage();
  if (command == "sync") return usage_ok(1, 1) ? sync() : usage();
  if (command == "stats") return usage_ok(1, 1) ? stats() : usage();
  if (command == "checkpoint") return usage_ok(1, 1) ? checkpoint() : usage();
  if (command == "mode") return usage_ok(1, 2) ? mode(words) : usage();
  if (command == "timer") return usage_ok(1, 2) ? timer(words) : usage();
  if (command == "help") return help();
  if (command == "quit" || command == "exit") {
    *quit = true;
    return ok("bye", {{"bye", true}});
  }
  return fail(kExitUsage, fmt::format("unknown command '{}' (try help)", words[0]));
}

ShellAnswer ShellSession::write_done(const Result<Lsn>& lsn, std::chrono::nanoseconds latency) {
  if (!lsn.ok()) return fail(lsn.status());
  return timed(fmt::format("OK lsn={}", lsn.value()), {{"lsn", lsn.value()}}, latency,
               mode_ == CommitMode::kSync);
}

ShellAnswer ShellSession::put(const Words& words) {
  // The engine would refuse it too, but in terms of an option the CLI does not have.
  if (const std::size_t bytes = write_bound(words[1].size(), words[2].size());
      bytes > write_limit_ && words[1].size() <= kMaxKeySize && words[2].size() <= kMaxValueSize) {
    return fail(kExitUsage,
                fmt::format("a write of {} does not fit this shell's log ({}); start the shell "
                            "with --segment-bytes {}K or more",
                            tool::format_bytes(bytes), tool::format_bytes(write_limit_),
                            (bytes + kSegmentSlack + 1023) / 1024));
  }
  WriteOptions wo;
  wo.mode = mode_;
  const auto start = std::chrono::steady_clock::now();
  auto lsn = db_->put(words[1], words[2], wo);
  return write_done(lsn, since(start));
}

ShellAnswer ShellSession::del(const Words& words) {
  WriteOptions wo;
  wo.mode = mode_;
  const auto start = std::chrono::steady_clock::now();
  auto lsn = db_->del(words[1], wo);
  return write_done(lsn, since(start));
}

ShellAnswer ShellSession::get(const Words& words) {
  auto value = db_->get(words[1]);
  nlohmann::json fields = nlohmann::json::object();
  set_bytes(fields, "key", words[1]);
  if (value.status().IsNotFound()) {
    fields["found"] = false;
    return ok("(not found)", fields);
  }
  if (!value.ok()) return fail(value.status());
  fields["found"] = true;
  set_bytes(fields, "value", value.value());
  return ok(quote_always(value.value()), fields);
}

ShellAnswer ShellSession::scan(const Words& words, bool range) {
  const std::size_t limit_at = range ? 3 : 2;
  std::size_t limit = kDefaultScanLimit;
  if (words.size() > limit_at) {
    const std::string& text = words[limit_at];
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || ptr != text.data() + text.size() || limit == 0) {
      return fail(kExitUsage, fmt::format("usage: {} (LIMIT is a positive number)",
                                          range ? "range FROM TO [LIMIT]" : "scan [PREFIX] [LIMIT]"));
    }
  }
  ScanOptions so;
  if (range) {
    so.start = words[1];
    so.end = words[2];
    if (!so.end.empty() && so.start >= so.end) {
      return fail(kExitUsage, "range: FROM is not below TO (the range is half-open: FROM <= key < TO)");
    }
  } else if (words.size() >= 2) {
    so.prefix = words[1];
  }
  so.limit = limit + 1;  // one more, to tell whether the answer is complete
  std::string lines;
  nlohmann::json pairs = nlohmann::json::array();
  std::size_t count = 0;
  bool more = false;
  bool stopped = false;
  Status s = db_->scan(so, [&](std::string_view key, std::string_view value) {
    if (count == limit) {
      more = true;
      return false;
    }
    if (stop_requested_ && stop_requested_()) {
      stopped = true;
      return false;
    }
    ++count;
    if (json_) {
      nlohmann::json pair = nlohmann::json::object();
      set_bytes(pair, "key", key);
      set_bytes(pair, "value", value);
      pairs.push_back(std::move(pair));
    } else {
      // Prefixed with "put", the line is the command that stores the pair.
      lines += "  " + quote_always(key) + " " + quote_always(value) + "\n";
    }
    return true;
  });
  if (!s.ok()) return fail(s);
  const std::string_view state = stopped ? ", interrupted" : more ? ", more" : "";
  return ok(lines + count_line(count, "pair", state),
            {{"pairs", std::move(pairs)}, {"more", more}, {"interrupted", stopped}});
}

ShellAnswer ShellSession::sync() {
  const auto start = std::chrono::steady_clock::now();
  auto lsn = db_->sync();
  const auto latency = since(start);
  if (!lsn.ok()) return fail(lsn.status());
  return timed(fmt::format("OK durable_lsn={}", lsn.value()), {{"durable_lsn", lsn.value()}},
               latency, false);
}

ShellAnswer ShellSession::stats() {
  const Stats s = db_->stats();
  return ok(format_stats_lines(s, "  ") + count_line(stats_fields(s).size(), "field"),
            {{"stats", stats_json(s)}});
}

ShellAnswer ShellSession::checkpoint() {
  const auto start = std::chrono::steady_clock::now();
  auto lsn = db_->checkpoint();
  const auto latency = since(start);
  if (!lsn.ok()) return fail(lsn.status());
  return timed(fmt::format("OK snapshot_lsn={}", lsn.value()), {{"snapshot_lsn", lsn.value()}},
               latency, false);
}

ShellAnswer ShellSession::mode(const Words& words) {
  // Through the engine's parser, so that every mode it knows is accepted here.
  if (words.size() == 2 && !parse_commit_mode(to_lower(words[1]), &mode_)) {
    return fail(kExitUsage, "usage: mode [sync|os|async]");
  }
  return ok(fmt::format("OK mode={}", to_string(mode_)), {{"mode", to_string(mode_)}});
}

ShellAnswer ShellSession::timer(const Words& words) {
  if (words.size() == 2) {
    const std::string word = to_lower(words[1]);
    if (word != "on" && word != "off") return fail(kExitUsage, "usage: timer [on|off]");
    timer_ = word == "on";
  }
  return ok(fmt::format("OK timer={}", timer_ ? "on" : "off"), {{"timer", timer_}});
}

ShellAnswer ShellSession::help() {
  std::size_t width = 0;
  for (const ShellCommandInfo& c : shell_commands()) width = std::max(width, std::string_view(c.usage).size());
  std::string lines;
  nlohmann::json commands = nlohmann::json::array();
  for (const ShellCommandInfo& c : shell_commands()) {
    lines += fmt::format("  {:<{}}  {}\n", c.usage, width, c.what);
    commands.push_back({{"usage", c.usage}, {"what", c.what}});
  }
  lines += "  quote words with blanks (put \"a b\" \"c d\"); escapes \\n \\t \\r \\\\ \\\" \\xHH\n";
  return ok(lines + count_line(shell_commands().size(), "command"), {{"commands", commands}});
}

}  // namespace walkv::cli
