// `walkv shell` driven through a pipe, as a script would: no prompt, one answer per command.
#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

// Each command with a regex its answer must match.
using Script = std::vector<std::pair<std::string, std::string>>;

// The answers in a shell's output: an answer is its indented item lines (if any) and the
// first line that is not indented, joined with '\n'.
std::vector<std::string> answers_of(const std::string& out) {
  std::vector<std::string> answers;
  std::string answer;
  for (const auto& line : lines_of(out)) {
    answer += line;
    if (line.rfind("  ", 0) == 0) {
      answer += '\n';
    } else {
      answers.push_back(answer);
      answer.clear();
    }
  }
  if (!answer.empty()) answers.push_back(answer);  // an unfinished answer fails the count
  return answers;
}

// Runs the script; returns the exit code.
int run_script(const std::string& db, const std::vector<std::string>& options,
               const Script& script) {
  std::string input;
  for (const auto& [command, answer] : script) input += command + "\n";
  std::vector<std::string> args = options;
  args.push_back("shell");
  auto r = run_in(db, args, RunOptions{input, std::nullopt});
  const auto answers = answers_of(r.out);
  INFO("output:\n" << r.out);
  REQUIRE(answers.size() == script.size());
  for (std::size_t i = 0; i < script.size(); ++i) {
    INFO("command: " << script[i].first << "\nanswer:  " << answers[i]);
    CHECK(std::regex_match(answers[i], std::regex(script[i].second)));
  }
  return r.exit_code;
}

const std::string kLatency = R"([0-9.]+(ns|us|ms|s))";

TEST_CASE("a scripted shell session answers each command, values always quoted",
          "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const int code = run_script(
      db, {"--flush-interval", "1s"},
      Script{
          {"put a 1", "OK lsn=1"},
          {R"(put "a b" "c d")", "OK lsn=2"},
          {R"(get "a b")", R"("c d")"},
          {"get a", R"("1")"},
          {"get nope", R"(\(not found\))"},
          {"del a", "OK lsn=3"},
          {"get a", R"(\(not found\))"},
          {"put 'x=1' 'tab\\there'", "OK lsn=4"},
          {"scan", R"(  "a b" "c d"\n  "x=1" "tab\\\\there"\n\(2 pairs\))"},
          {"mode", "OK mode=sync"},
          {"mode ASYNC", "OK mode=async"},
          {"put b 2", "OK lsn=5"},
          {"get b", R"("2")"},
          {"sync", "OK durable_lsn=5"},
          {"Mode sync", "OK mode=sync"},
          {"put c \"line\\none\"", "OK lsn=6"},
          {"get c", R"("line\\none")"},
          {"put q \"(not found)\"", "OK lsn=7"},
          {"get q", R"x("\(not found\)")x"},
          {"put e \"ERR disk on fire\"", "OK lsn=8"},
          {"get e", R"("ERR disk on fire")"},
          {"scan b", R"(  "b" "2"\n\(1 pair\))"},
          {"scan \"\" 2", R"(  "a b" "c d"\n  "b" "2"\n\(2 pairs, more\))"},
          {"scan zzz", R"(\(0 pairs\))"},
          {"stats", R"((  \S+ +\S.*\n)*  keys +6\n(  \S+ +\S.*\n)*\(\d+ fields\))"},
          {"timer on", "OK timer=on"},
          {"put t 1", "OK lsn=9 " + kLatency + " durable"},
          {"checkpoint", "OK snapshot_lsn=9 " + kLatency},
          {"timer off", "OK timer=off"},
          {"CHECKPOINT", "OK snapshot_lsn=9"},
          {"frob", R"(ERR unknown command 'frob' \(try help\))"},
          {"put onlykey", R"(ERR usage: put KEY VALUE)"},
          {"get", R"(ERR usage: get KEY)"},
          {"mode fast", R"(ERR usage: mode \[sync\|os\|async\])"},
          {"timer maybe", R"(ERR usage: timer \[on\|off\])"},
          {"put \"open", "ERR unterminated double quote"},
          {"help", R"((  \S.*\n)+\(\d+ commands\))"},
          {"quit", "bye"},
      });
  CHECK(code == 2);  // the script had failed commands
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
  CHECK(answers[0] == "OK lsn=1");
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
  CHECK(answers[49] == "OK lsn=50");

  auto scan = run_in(db, {"scan", "--prefix", "key"});
  require_ok(scan);
  REQUIRE(lines_of(scan.out).size() == 50);
  REQUIRE(run_in(db, {"get", "key49"}).out == "value49\n");
}

TEST_CASE("shell answers round-trip: what get prints can be typed back as it is", "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  RunOptions binary;
  binary.input = std::string("\x01\x02 \"q\" \\ \xff", 10);
  require_ok(run_in(db, {"put", "bin", "-"}, binary));
  auto first = run_in(db, {"shell"}, RunOptions{"get bin\n", {}});
  require_ok(first);
  const std::string printed = lines_of(first.out).at(0);
  CHECK(printed == R"("\x01\x02 \"q\" \\ \xff")");

  // The printed answer is a shell word as it stands: store it under another key.
  auto second = run_in(db, {"shell"}, RunOptions{"put copy " + printed + "\n", {}});
  require_ok(second);
  auto raw = run_in(db, {"get", "--raw", "copy"});
  require_ok(raw);
  REQUIRE(raw.out == binary.input);
}

}  // namespace
}  // namespace walkv::clitest
