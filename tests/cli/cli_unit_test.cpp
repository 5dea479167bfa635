// The CLI's pieces in-process: escaping, the shell's word splitter, units, and shell
// sessions (answers, the timer, a scan stopped on request, completion).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "escape.h"
#include "shell.h"
#include "shell_commands.h"
#include "shell_lexer.h"
#include "units.h"
#include "walkv/db.h"

namespace walkv::cli {
namespace {

using namespace std::chrono_literals;
using Words = std::vector<std::string>;

Words split(std::string_view line) {
  Words words;
  std::string error;
  REQUIRE(split_words(line, &words, &error));
  return words;
}

std::string split_error(std::string_view line) {
  Words words;
  std::string error;
  REQUIRE_FALSE(split_words(line, &words, &error));
  return error;
}

TEST_CASE("escape_bytes keeps printable text and escapes everything else", "[cli][unit]") {
  CHECK(escape_bytes("hello world") == "hello world");
  CHECK(escape_bytes(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(escape_bytes("tab\tnl\ncr\r") == "tab\\tnl\\ncr\\r");
  CHECK(escape_bytes("back\\slash") == "back\\\\slash");
  CHECK(escape_bytes("\x7f\x1b[31m") == "\\x7f\\x1b[31m");
  CHECK(escape_bytes("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(escape_bytes("\xff\xfe") == "\\xff\\xfe");
  CHECK(escape_bytes("\xc3") == "\\xc3");                    // truncated sequence
  CHECK(escape_bytes("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
  CHECK(escape_bytes("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // surrogate
  CHECK(escape_bytes("\xc2\x85") == "\\xc2\\x85");           // C1 control NEL
}

TEST_CASE("quote_word quotes only what would not read back as one word", "[cli][unit]") {
  CHECK(quote_word("plain") == "plain");
  CHECK(quote_word("") == "\"\"");
  CHECK(quote_word("a b") == "\"a b\"");
  CHECK(quote_word("k=v") == "\"k=v\"");
  CHECK(quote_word("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(quote_word("#tag") == "\"#tag\"");
  CHECK(quote_word("nl\n") == "nl\\n");
}

TEST_CASE("split_words handles quotes, escapes and comments", "[cli][unit]") {
  CHECK(split("put a b") == Words{"put", "a", "b"});
  CHECK(split("  put\t a   b  ") == Words{"put", "a", "b"});
  CHECK(split(R"(put "a b" "c d")") == Words{"put", "a b", "c d"});
  CHECK(split(R"(put 'it is' 'no \escape')") == Words{"put", "it is", "no \\escape"});
  CHECK(split(R"(put k "" x)") == Words{"put", "k", "", "x"});
  CHECK(split(R"(put k a"b c"d)") == Words{"put", "k", "ab cd"});
  CHECK(split(R"(put k a\ b)") == Words{"put", "k", "a b"});
  CHECK(split(R"(put k "q\"uote\\")") == Words{"put", "k", "q\"uote\\"});
  CHECK(split(R"(put k "\x00\xff\n\t\r")") == Words{"put", "k", std::string("\0\xff\n\t\r", 5)});
  CHECK(split("# comment").empty());
  CHECK(split("   # comment").empty());
  CHECK(split("").empty());
  CHECK(split("put k #not-a-comment") == Words{"put", "k", "#not-a-comment"});
}

TEST_CASE("split_words rejects malformed lines", "[cli][unit]") {
  CHECK(split_error(R"(put "a b)") == "unterminated double quote");
  CHECK(split_error("put 'a b") == "unterminated single quote");
  CHECK(split_error(R"(put k \q)") == "bad escape \\q");
  CHECK(split_error(R"(put k "\x4")") == "bad escape: \\x needs two hex digits");
  CHECK(split_error("put k \\") == "backslash at end of text");
}

TEST_CASE("escaped output reads back through split_words", "[cli][unit]") {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (const std::string& value : {all, std::string("a b"), std::string(""),
                                   std::string("k=v \"q\" 'x' \\"), std::string("caf\xc3\xa9")}) {
    const Words words = split("put " + quote_word(value) + " " + quote_word(value));
    REQUIRE(words.size() == 3);
    CHECK(words[1] == value);
    CHECK(words[2] == value);
  }
}

TEST_CASE("parse_duration accepts us, ms and s and rejects the rest", "[cli][unit]") {
  CHECK(tool::parse_duration("500us") == 500us);
  CHECK(tool::parse_duration("5ms") == 5000us);
  CHECK(tool::parse_duration("1s") == 1000000us);
  CHECK(tool::parse_duration("1.5ms") == 1500us);
  CHECK(tool::parse_duration("0.25s") == 250000us);
  CHECK(tool::parse_duration("3\xc2\xb5s") == 3us);
  for (const char* bad : {"", "5", "ms", "5x", "5 ms", "-5ms", "0ms", "0.1us", "1e3us", "inf",
                          "nanms", "2h", "3601s", "5MS"}) {
    INFO(bad);
    CHECK_FALSE(tool::parse_duration(bad).has_value());
  }
}

TEST_CASE("parse_byte_size accepts binary suffixes", "[cli][unit]") {
  CHECK(tool::parse_byte_size("4096") == std::size_t{4096});
  CHECK(tool::parse_byte_size("64K") == std::size_t{65536});
  CHECK(tool::parse_byte_size("64kib") == std::size_t{65536});
  CHECK(tool::parse_byte_size("1M") == std::size_t{1} << 20);
  CHECK(tool::parse_byte_size("2GiB") == std::size_t{2} << 30);
  for (const char* bad : {"", "0", "K", "1.5M", "-1", "12X", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(tool::parse_byte_size(bad).has_value());
  }
}

TEST_CASE("format_latency keeps about three significant digits", "[cli][unit]") {
  CHECK(tool::format_latency(850ns) == "850ns");
  CHECK(tool::format_latency(1800ns) == "1.8us");
  CHECK(tool::format_latency(131us) == "131us");
  CHECK(tool::format_latency(2345us) == "2.35ms");
  CHECK(tool::format_latency(12300us) == "12.3ms");
  CHECK(tool::format_latency(1200ms) == "1.20s");
  CHECK(tool::format_bytes(512) == "512 B");
  CHECK(tool::format_bytes(4096) == "4.0 KiB");
  CHECK(tool::format_bytes(std::uint64_t{64} << 20) == "64.0 MiB");
}

TEST_CASE("a shell scan asked to stop answers the pairs found so far and says so",
          "[cli][unit][shell]") {
  clitest::TempDir tmp;
  Options options;
  auto db = DB::open(tmp.sub("db"), options);
  REQUIRE(db.ok());
  for (int i = 0; i < 10; ++i) REQUIRE((*db)->put("k" + std::to_string(i), "v").ok());

  int polls = 0;  // the stop request comes while the third pair is due
  ShellSession session(db->get(), CommitMode::kSync, false, 1 << 20,
                       [&polls] { return ++polls > 2; });
  bool quit = false;
  CHECK(session.execute("scan", &quit)->text ==
        "  \"k0\" \"v\"\n  \"k1\" \"v\"\n(2 pairs, interrupted)");
  polls = -1000;  // no request: the whole answer
  CHECK(session.execute("scan k 3", &quit)->text ==
        "  \"k0\" \"v\"\n  \"k1\" \"v\"\n  \"k2\" \"v\"\n(3 pairs, more)");

  ShellSession stopped_at_once(db->get(), CommitMode::kSync, false, 1 << 20, [] { return true; });
  CHECK(stopped_at_once.execute("scan", &quit)->text == "(0 pairs, interrupted)");
  CHECK(stopped_at_once.execute("scan nothing", &quit)->text == "(0 pairs)");  // nothing to stop
}

TEST_CASE("shell answers quote every value, so none reads like a miss or an error",
          "[cli][unit][shell]") {
  clitest::TempDir tmp;
  auto db = DB::open(tmp.sub("db"), Options{});
  REQUIRE(db.ok());
  ShellSession session(db->get(), CommitMode::kSync, false, 1 << 20);
  bool quit = false;
  for (const char* value : {"(not found)", "ERR disk on fire", "OK lsn=7", "", "bye"}) {
    INFO(value);
    REQUIRE(session.execute(std::string("put k ") + quote_word(value), &quit)->exit_code == 0);
    const auto answer = session.execute("get k", &quit);
    CHECK(answer->text == quote_always(value));
    CHECK(answer->text.front() == '"');
  }
  CHECK(session.execute("get absent", &quit)->text == "(not found)");
  const auto error = session.execute("frob", &quit);
  CHECK(error->text.rfind("ERR ", 0) == 0);
  CHECK(error->exit_code == 2);
}

TEST_CASE("a shell write answers exactly OK lsn=N unless the timer is on", "[cli][unit][shell]") {
  clitest::TempDir tmp;
  auto db = DB::open(tmp.sub("db"), Options{});
  REQUIRE(db.ok());
  ShellSession session(db->get(), CommitMode::kSync, false, 1 << 20);
  bool quit = false;
  CHECK(session.execute("put a 1", &quit)->text == "OK lsn=1");
  CHECK(session.execute("del a", &quit)->text == "OK lsn=2");
  CHECK(session.execute("sync", &quit)->text == "OK durable_lsn=2");
  CHECK(session.execute("TIMER ON", &quit)->text == "OK timer=on");
  CHECK_THAT(session.execute("put a 2", &quit)->text,
             Catch::Matches(R"(OK lsn=3 [0-9.]+(ns|us|ms|s) durable)"));
  CHECK(session.execute(".timer off", &quit)->text == "OK timer=off");
  CHECK(session.execute("Put b 3", &quit)->text == "OK lsn=4");
}

TEST_CASE("a shell put too large for the log says which option to raise", "[cli][unit][shell]") {
  clitest::TempDir tmp;
  auto db = DB::open(tmp.sub("db"), Options{});
  REQUIRE(db.ok());
  ShellSession session(db->get(), CommitMode::kSync, false, 4096);
  bool quit = false;
  const auto answer = session.execute("put k " + std::string(5000, 'v'), &quit);
  CHECK_THAT(answer->text, Catch::StartsWith("ERR a write of"));
  CHECK_THAT(answer->text, Catch::Contains("--segment-bytes"));
  CHECK_THAT(answer->text, !Catch::Contains("log_buffer_bytes"));
  CHECK(answer->exit_code == 2);
}

TEST_CASE("Tab completion offers the command names that start with the word typed",
          "[cli][unit][shell]") {
  CHECK(complete_command("pu") == Words{"put"});
  CHECK(complete_command("S") == Words{"scan", "sync", "stats"});
  CHECK(complete_command("") .size() == shell_commands().size());
  CHECK(complete_command("x").empty());
}

}  // namespace
}  // namespace walkv::cli
