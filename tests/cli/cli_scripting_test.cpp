// walkv in scripts: --json answers for every command, `shell -f FILE`, --bail and the exit
// status of a script, range scans.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

using nlohmann::json;

// The one JSON line `r` printed.
json one_json(const RunResult& r) {
  const auto lines = lines_of(r.out);
  INFO("stdout: " << r.out);
  REQUIRE(lines.size() == 1);
  return json::parse(lines[0]);
}

TEST_CASE("json answers every one-shot command with JSON on stdout", "[cli][json]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  auto put = run_in(db, {"--json", "put", "k", "v"});
  require_ok(put);
  CHECK(one_json(put) == json{{"lsn", 1}});
  require_ok(run_in(db, {"put", "bin", "-"}, RunOptions{std::string("\xff\x00", 2), {}}));

  CHECK(one_json(run_in(db, {"--json", "get", "k"})) ==
        json{{"found", true}, {"key", "k"}, {"value", "v"}});
  CHECK(one_json(run_in(db, {"-j", "get", "bin"})) ==
        json{{"found", true}, {"key", "bin"}, {"value_b64", "/wA="}});
  auto missing = run_in(db, {"--json", "get", "nope"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.empty());
  CHECK(one_json(missing) == json{{"found", false}, {"key", "nope"}});

  auto scan = run_in(db, {"--json", "scan"});
  require_ok(scan);
  CHECK(scan.out == "{\"key\":\"bin\",\"value_b64\":\"/wA=\"}\n{\"key\":\"k\",\"value\":\"v\"}\n");

  CHECK(one_json(run_in(db, {"--json", "del", "k"})) == json{{"lsn", 3}});
  CHECK(one_json(run_in(db, {"--json", "checkpoint"})) == json{{"snapshot_lsn", 3}});

  const json stats = one_json(run_in(db, {"--json", "stats"}));
  CHECK(stats["keys"] == 1);
  CHECK(stats["process"]["checkpoints"] == 0);
  CHECK(stats["recovery"]["snapshot_lsn"] == 3);

  const json verify = one_json(run_in(db, {"--json", "verify"}));
  CHECK(verify["ok"] == true);
  CHECK(verify["snapshot_lsn"] == 3);

  require_ok(run_in(db, {"put", "after", "x"}));
  auto dump = run_in(db, {"--json", "dump"});
  require_ok(dump);
  const auto lines = lines_of(dump.out);
  REQUIRE(lines.size() == 2);
  const json record = json::parse(lines[0]);
  CHECK(record["type"] == "put");
  CHECK(record["key"] == "after");
  CHECK(record["lsn"] == 4);
  CHECK(json::parse(lines[1])["records"] == 1);

  // Errors stay one "error:" line on stderr.
  require_error(run_in(db, {"--json", "put", "", "v"}), 2, "empty key");
}

TEST_CASE("a --json shell answers each command with one JSON object", "[cli][json][shell]") {
  TempDir tmp;
  auto r = run_in(tmp.sub("db"), {"--json", "shell"},
                  RunOptions{"put a 1\nget a\nget b\nscan\nfrob\nstats\nhelp\nquit\n", {}});
  CHECK(r.exit_code == 2);  // frob failed
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 8);
  CHECK(json::parse(lines[0]) == json{{"ok", true}, {"lsn", 1}});
  CHECK(json::parse(lines[1]) == json{{"ok", true}, {"found", true}, {"key", "a"}, {"value", "1"}});
  CHECK(json::parse(lines[2]) == json{{"ok", true}, {"found", false}, {"key", "b"}});
  CHECK(json::parse(lines[3])["pairs"] == json::array({{{"key", "a"}, {"value", "1"}}}));
  CHECK(json::parse(lines[4])["ok"] == false);
  CHECK(json::parse(lines[5])["stats"]["keys"] == 1);
  CHECK(json::parse(lines[6])["commands"].size() > 5);
  CHECK(json::parse(lines[7]) == json{{"ok", true}, {"bye", true}});
}

TEST_CASE("shell -f runs a script file and without --bail every line runs and the exit status "
          "reports the first failure",
          "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string script = tmp.sub("script.walkv");
  std::ofstream(script) << "put a 1\nfrob\nput b 2\nget b\n";
  auto r = run_in(db, {"shell", "-f", script});
  CHECK(r.out == "OK lsn=1\nERR unknown command 'frob' (try help)\nOK lsn=2\n\"2\"\n");
  require_error(RunResult{r.exit_code, "", r.err, false}, 2,
                "1 of 4 commands failed; the first, line 2: unknown command 'frob'");

  auto clean = run_in(db, {"shell", "--file", script + ".missing"});
  require_error(clean, 3, "shell: cannot read " + script + ".missing");

  std::ofstream(script) << "get a\n";
  auto ok = run_in(db, {"shell", "-f", script});
  require_ok(ok);
  CHECK(ok.out == "\"1\"\n");
}

TEST_CASE("bail stops a script at the first failed command with its exit code",
          "[cli][shell]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  auto frob = run_in(db, {"shell", "--bail"}, RunOptions{"frob\n", {}});
  CHECK(frob.out == "ERR unknown command 'frob' (try help)\n");
  require_error(RunResult{frob.exit_code, "", frob.err, false}, 2,
                "line 1: unknown command 'frob' (try help) (stopped there: --bail)");

  auto r = run_in(db, {"shell", "--bail"},
                  RunOptions{"put a 1\n# comment\nput \"\" empty-key\nput c 3\n", {}});
  CHECK(r.out == "OK lsn=1\nERR Invalid argument: empty key\n");
  require_error(RunResult{r.exit_code, "", r.err, false}, 2, "line 3: Invalid argument: empty key");
  CHECK(run_in(db, {"get", "c"}).exit_code == 1);  // never ran
  CHECK(run_in(db, {"get", "a"}).out == "1\n");

  auto fine = run_in(db, {"shell", "--bail"}, RunOptions{"get a\nget nothing\n", {}});
  require_ok(fine);  // (not found) is an answer, not a failure
  CHECK(fine.out == "\"1\"\n(not found)\n");
}

TEST_CASE("scan --from A --to B visits the keys from A up to but not including B", "[cli]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  std::string script;
  for (const char* k : {"a", "b", "b1", "c", "d"}) script += std::string("put ") + k + " v\n";
  require_ok(run_in(db, {"shell"}, RunOptions{script, {}}));
  auto keys = [&](std::vector<std::string> args) {
    auto r = run_in(db, args);
    require_ok(r);
    std::string out;
    for (const auto& line : lines_of(r.out)) out += line.substr(0, line.find('\t')) + " ";
    return out;
  };
  CHECK(keys({"scan", "--from", "b", "--to", "d"}) == "b b1 c ");
  CHECK(keys({"scan", "--from", "b1"}) == "b1 c d ");
  CHECK(keys({"scan", "--to", "b1"}) == "a b ");
  CHECK(keys({"scan", "--from", "b", "--to", "d", "--prefix", "b"}) == "b b1 ");
  CHECK(keys({"export", "--from", "c"}).size() > 0);
  require_error(run_in(db, {"scan", "--from", "d", "--to", "b"}), 2, "--from 'd' is not below --to 'b'");

  auto shell = run_in(db, {"shell"}, RunOptions{"range b d\nrange c \"\"\nrange a z 2\n", {}});
  require_ok(shell);
  CHECK(shell.out ==
        "  \"b\" \"v\"\n  \"b1\" \"v\"\n  \"c\" \"v\"\n(3 pairs)\n"
        "  \"c\" \"v\"\n  \"d\" \"v\"\n(2 pairs)\n"
        "  \"a\" \"v\"\n  \"b\" \"v\"\n(2 pairs, more)\n");
}

}  // namespace
}  // namespace walkv::clitest
