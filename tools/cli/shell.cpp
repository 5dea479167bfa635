#include "shell.h"

#include <fmt/core.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdio>

#include "escape.h"
#include "exit_codes.h"
#include "line_reader.h"
#include "output.h"
#include "shell_lexer.h"
#include "signals.h"
#include "stats_format.h"
#include "units.h"

namespace walkv::cli {
namespace {

constexpr std::size_t kDefaultScanLimit = 100;

constexpr const char* kHelp =
    "commands: put K V | get K | del K | scan [PREFIX] [LIMIT] | sync | stats | checkpoint | "
    "mode [sync|async] | help | quit  (quote words with blanks: put \"a b\" \"c d\"; "
    "escapes \\n \\t \\xHH)";

std::string error_answer(const Status& status) { return "ERR " + escape_bytes(status.ToString()); }

std::chrono::nanoseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::steady_clock::now() - start;
}

}  // namespace

std::optional<std::string> ShellSession::execute(std::string_view line, bool* quit) {
  *quit = false;
  std::vector<std::string> words;
  std::string error;
  if (!split_words(line, &words, &error)) return "ERR " + error;
  if (words.empty()) return std::nullopt;

  const std::string& command = words[0];
  auto usage = [&](std::size_t min_words, std::size_t max_words, const char* text) {
    return words.size() < min_words || words.size() > max_words
               ? std::optional<std::string>(std::string("ERR usage: ") + text)
               : std::nullopt;
  };
  if (command == "put") {
    if (auto u = usage(3, 3, "put KEY VALUE")) return u;
    return put(words);
  }
  if (command == "get") {
    if (auto u = usage(2, 2, "get KEY")) return u;
    return get(words);
  }
  if (command == "del") {
    if (auto u = usage(2, 2, "del KEY")) return u;
    return del(words);
  }
  if (command == "scan") {
    if (auto u = usage(1, 3, "scan [PREFIX] [LIMIT]")) return u;
    return scan(words);
  }
  if (command == "sync") {
    if (auto u = usage(1, 1, "sync")) return u;
    return sync();
  }
  if (command == "stats") {
    if (auto u = usage(1, 1, "stats")) return u;
    return format_stats_line(db_->stats());
  }
  if (command == "checkpoint") {
    if (auto u = usage(1, 1, "checkpoint")) return u;
    return checkpoint();
  }
  if (command == "mode") {
    if (auto u = usage(1, 2, "mode [sync|async]")) return u;
    return mode(words);
  }
  if (command == "help") return std::string(kHelp);
  if (command == "quit" || command == "exit") {
    *quit = true;
    return std::string("bye");
  }
  return fmt::format("ERR unknown command '{}' (try help)", escape_bytes(command));
}

std::string ShellSession::put(const std::vector<std::string>& words) {
  WriteOptions wo;
  wo.mode = mode_;
  const auto start = std::chrono::steady_clock::now();
  auto lsn = db_->put(words[1], words[2], wo);
  const auto latency = since(start);
  if (!lsn.ok()) return error_answer(lsn.status());
  return fmt::format("OK lsn={} {}{}", lsn.value(), format_latency(latency),
                     mode_ == CommitMode::kSync ? " durable" : "");
}

std::string ShellSession::get(const std::vector<std::string>& words) {
  auto value = db_->get(words[1]);
  if (value.status().IsNotFound()) return "(not found)";
  if (!value.ok()) return error_answer(value.status());
  return escape_bytes(value.value());
}

std::string ShellSession::del(const std::vector<std::string>& words) {
  WriteOptions wo;
  wo.mode = mode_;
  const auto start = std::chrono::steady_clock::now();
  auto lsn = db_->del(words[1], wo);
  const auto latency = since(start);
  if (!lsn.ok()) return error_answer(lsn.status());
  return fmt::format("OK lsn={} {}{}", lsn.value(), format_latency(latency),
                     mode_ == CommitMode::kSync ? " durable" : "");
}

std::string ShellSession::scan(const std::vector<std::string>& words) {
  std::size_t limit = kDefaultScanLimit;
  if (words.size() == 3) {
    const std::string& text = words[2];
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || ptr != text.data() + text.size() || limit == 0) {
      return "ERR usage: scan [PREFIX] [LIMIT] (LIMIT is a positive number)";
    }
  }
  ScanOptions so;
  if (words.size() >= 2) so.prefix = words[1];
  so.limit = limit + 1;  // one more, to tell whether the answer is complete
  std::string answer;
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
    if (count++ > 0) answer += ' ';
    answer += quote_word(key);
    answer += '=';
    answer += quote_word(value);
    return true;
  });
  if (!s.ok()) return error_answer(s);
  if (stopped) return count == 0 ? "(interrupted)" : answer + " ... (interrupted)";
  if (count == 0) return "(empty)";
  if (more) answer += " ...";
  return answer;
}

std::string ShellSession::sync() {
  const auto start = std::chrono::steady_clock::now();
  auto lsn = db_->sync();
  const auto latency = since(start);
  if (!lsn.ok()) return error_answer(lsn.status());
  return fmt::format("OK durable_lsn={} {}", lsn.value(), format_latency(latency));
}

std::string ShellSession::checkpoint() {
  const auto start = std::chrono::steady_clock::now();
  auto lsn = db_->checkpoint();
  const auto latency = since(start);
  if (!lsn.ok()) return error_answer(lsn.status());
  return fmt::format("OK snapshot_lsn={} {}", lsn.value(), format_latency(latency));
}

std::string ShellSession::mode(const std::vector<std::string>& words) {
  if (words.size() == 2) {
    if (!parse_commit_mode(words[1], &mode_)) return "ERR usage: mode [sync|async]";
  }
  return fmt::format("OK mode={}", to_string(mode_));
}

int run_shell(const GlobalOptions& global) {
  std::string error;
  if (!signals::install_shell_handlers(&error)) return report_error(kExitFailure, error);
  OpenedDb opened;
  {
    // The threads the engine starts while opening inherit this block: signals are handled
    // on this thread and do not interrupt those threads' system calls.
    signals::BlockInNewThreads block;
    opened = open_db(global, OpenIntent::kCreate);
  }
  if (!opened.db) return opened.exit_code;

  const bool interactive = ::isatty(STDIN_FILENO) == 1;
  auto reader = make_line_reader(interactive, "walkv");
  ShellSession session(opened.db.get(), global.mode, [] {
    return signals::interrupted() || signals::terminating_signal() != 0;
  });
  if (interactive) {
    outf("walkv shell on {} (mode {}). Type help for commands, quit or Ctrl-D to leave.\n",
         global.dir, to_string(global.mode));
  }
  bool output_ok = flush_output();
  while (output_ok && signals::terminating_signal() == 0) {
    reader->set_prompt(fmt::format("walkv:{}> ", to_string(session.mode())));
    // A Ctrl-C that came while the last command ran (and did not stop it) is spent.
    signals::clear_interrupt();
    std::string line;
    const ReadStatus status = reader->read_line(&line);
    if (status == ReadStatus::kInterrupted && signals::terminating_signal() != 0) {
      if (interactive) out("\n");
      break;
    }
    if (status == ReadStatus::kInterrupted) {  // Ctrl-C at a terminal: drop the line
      out("^C\n");
      output_ok = flush_output();
      continue;
    }
    if (status == ReadStatus::kEnd) {
      if (interactive) out("\n");
      break;
    }
    // A Ctrl-C while a script's line was awaited is not meant for the command it carries.
    if (!interactive) signals::clear_interrupt();
    if (interactive && line.find_first_not_of(" \t") != std::string::npos) reader->remember(line);
    bool quit = false;
    if (auto answer = session.execute(line, &quit)) {
      out(*answer);
      out("\n");
      // A script waits for this line before sending the next command; and an answer that
      // cannot be written ends the session, since no one learns what later commands did.
      output_ok = flush_output();
    }
    if (quit) break;
  }
  reader.reset();  // saves the history, gives the terminal back
  if (!flush_output()) return report_output_error();
  if (opened.db->stats().failed) {
    return report_error(kExitFailure,
                        fmt::format("the database in {} latched an I/O error during the session; "
                                    "writes after it were refused",
                                    global.dir));
  }
  return kExitOk;
}

}  // namespace walkv::cli
