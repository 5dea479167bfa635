// `walkv shell` driven through a pipe, as a script would: no prompt, one answer per command.
#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

// Each command with a regex its answer line must match.
using Script = std::vector<std::pair<std::string, std::string>>;

void run_script(const std::string& db, const std::vector<std::string>& options,
                const Script& script) {
  std::string input;
  for (const auto& [command, answer] : script) input += command + "\n";
  std::vector<std::string> args = options;
  args.push_back("shell");
  auto r = run_in(db, args, RunOptions{input, std::nullopt});
  require_ok(r);
  const auto answers = lines_of(r.out);
  INFO("output:\n" << r.out);
  REQUIRE(answers.size() == script.size());
  for (std::size_t i = 0; i < script.size(); ++i) {
    INFO("command: " << script[i].first << "\nanswer:  " << answers[i]);
    CHECK(std::regex_match(answers[i], std::regex(script[i].second)));
  }
}

const std::string kLatency = R"([0-9.]+(ns|us|ms|s))";

TEST_CASE("a scripted shell session answers each command on one line", "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string sync_ok = "OK lsn=(\\d+) " + kLatency + " durable";
  run_script(db, {"--flush-interval", "1s"},
             Script{
                 {"put a 1", "OK lsn=1 " + kLatency + " durable"},
                 {R"(put "a b" "c d")", "OK lsn=2 " + kLatency + " durable"},
                 {R"(get "a b")", "c d"},
                 {"get a", "1"},
                 {"get nope", R"(\(not found\))"},
                 {"del a", "OK lsn=3 " + kLatency + " durable"},
                 {"get a", R"(\(not found\))"},
                 {"put 'x=1' 'tab\\there'", sync_ok},
                 {"scan", R"("a b"="c d" "x=1"=tab\\\\there)"},
                 {"mode", "OK mode=sync"},
                 {"mode async", "OK mode=async"},
                 {"put b 2", "OK lsn=5 " + kLatency},
                 {"get b", "2"},
                 {"sync", "OK durable_lsn=5 " + kLatency},
                 {"mode sync", "OK mode=sync"},
                 {"put c \"line\\none\"", "OK lsn=6 " + kLatency + " durable"},
                 {"get c", R"(line\\none)"},
                 {"scan b", "b=2"},
                 {"scan \"\" 2", R"("a b"="c d" b=2 \.\.\.)"},
                 {"scan zzz", R"(\(empty\))"},
                 {"stats", R"(commits=\d+ fsyncs=\d+ .*durable_lsn=6 .*keys=4 .*)"},
                 {"checkpoint", "OK snapshot_lsn=6 " + kLatency},
                 {"frob", R"(ERR unknown command 'frob' \(try help\))"},
                 {"put onlykey", R"(ERR usage: put KEY VALUE)"},
                 {"get", R"(ERR usage: get KEY)"},
                 {"mode fast", R"(ERR usage: mode \[sync\|async\])"},
                 {"put \"open", "ERR unterminated double quote"},
                 {"help", "commands: put K V .*"},
                 {"quit", "bye"},
             });
}

TEST_CASE("blank lines and comments get no answer, and commands after quit are not run",
          "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  auto r =
      run_in(db, {"shell"}, RunOptions{"\n   \n# a comment\nput k v\n\nquit\nput k2 v2\n", {}});
  require_ok(r);
  const auto answers = lines_of(r.out);
  REQUIRE(answers.size() == 2);
  CHECK_THAT(answers[0], Catch::StartsWith("OK lsn=1 "));
  CHECK(answers[1] == "bye");
  REQUIRE(run_in(db, {"get", "k2"}).exit_code == 1);
}

TEST_CASE("async shell writes survive the end of input into the next process", "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  std::string input;
  for (int i = 0; i < 50; ++i)
    input += "put key" + std::to_string(i) + " value" + std::to_string(i) + "\n";
  // No quit: end of input closes the session, and closing the DB flushes async writes.
  auto r =
      run_in(db, {"--mode", "async", "--flush-interval", "1s", "shell"}, RunOptions{input, {}});
  require_ok(r);
  const auto answers = lines_of(r.out);
  REQUIRE(answers.size() == 50);
  CHECK(std::regex_match(answers[49], std::regex("OK lsn=50 " + kLatency)));

  auto scan = run_in(db, {"scan", "--prefix", "key"});
  require_ok(scan);
  REQUIRE(lines_of(scan.out).size() == 50);
  REQUIRE(run_in(db, {"get", "key49"}).out == "value49\n");
}

TEST_CASE("shell escapes round-trip: what get prints can be typed back", "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  RunOptions binary;
  binary.input = std::string("\x01\x02 \"q\" \\ \xff", 10);
  require_ok(run_in(db, {"put", "bin", "-"}, binary));
  auto first = run_in(db, {"shell"}, RunOptions{"get bin\n", {}});
  require_ok(first);
  const std::string printed = lines_of(first.out).at(0);
  CHECK(printed == R"(\x01\x02 "q" \\ \xff)");

  // Quote the printed form (escaping its quotes) and store it under another key.
  std::string quoted = "\"";
  for (char c : printed) {
    if (c == '"') quoted += '\\';
    quoted += c;
  }
  quoted += "\"";
  auto second = run_in(db, {"shell"}, RunOptions{"put copy " + quoted + "\n", {}});
  require_ok(second);
  auto raw = run_in(db, {"get", "--raw", "copy"});
  require_ok(raw);
  REQUIRE(raw.out == binary.input);
}

}  // namespace
}  // namespace walkv::clitest
