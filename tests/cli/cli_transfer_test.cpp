// export and import: JSON lines for backups and bulk loads.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

TEST_CASE("export writes one JSON line per pair, text as strings and binary as base64",
          "[cli][transfer]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "user:1", "ada \"the first\""}));
  require_ok(run_in(db, {"put", "bin", "-"}, RunOptions{std::string("\x00\xff", 2), {}}));
  require_ok(run_in(db, {"put", "nl", "two\nlines"}));
  auto r = run_in(db, {"export"});
  require_ok(r);
  CHECK(r.out ==
        "{\"key\":\"bin\",\"value_b64\":\"AP8=\"}\n"
        "{\"key\":\"nl\",\"value\":\"two\\nlines\"}\n"
        "{\"key\":\"user:1\",\"value\":\"ada \\\"the first\\\"\"}\n");
  auto users = run_in(db, {"export", "--prefix", "user:"});
  CHECK(lines_of(users.out).size() == 1);
}

TEST_CASE("import loads a file or stdin and reports the count and the last LSN",
          "[cli][transfer]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string file = tmp.sub("pairs.jsonl");
  std::ofstream(file) << "{\"key\":\"a\",\"value\":\"1\"}\n\n"
                         "{\"key_b64\":\"AP8=\",\"value\":\"\"}\r\n"
                         "{\"value\":\"3\",\"key\":\"c\"}";  // no final newline
  auto r = run_in(db, {"import", file});
  require_ok(r);
  CHECK(r.out == "imported=3 lsn=1\n");
  CHECK(run_in(db, {"get", "c"}).out == "3\n");
  CHECK(run_in(db, {"-e", "get", "\\x00\\xff"}).out == "\n");

  auto json = run_in(db, {"--json", "import"}, RunOptions{"{\"key\":\"a\",\"value\":\"2\"}\n", {}});
  require_ok(json);
  CHECK(json.out == "{\"imported\":1,\"lsn\":2}\n");
  CHECK(run_in(db, {"get", "a"}).out == "2\n");
}

TEST_CASE("a bad import line names its line and nothing is imported", "[cli][transfer]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  require_ok(run_in(db, {"put", "keep", "me"}));
  const std::string good = "{\"key\":\"new\",\"value\":\"x\"}\n";
  struct Bad {
    std::string line, message;
  };
  for (const Bad& bad : {Bad{"{\"key\":\"k\"", "not valid JSON"},
                         Bad{"[1,2]", "not a JSON object"},
                         Bad{"{\"key\":\"k\"}", "no \"value\" or \"value_b64\""},
                         Bad{"{\"key\":\"\",\"value\":\"v\"}", "empty key"},
                         Bad{"{\"key\":\"k\",\"value_b64\":\"@@\"}", "\"value_b64\" is not valid base64"},
                         Bad{"{\"key\":\"k\",\"value\":\"v\",\"ttl\":5}", "unknown field \"ttl\" (pairs have key or key_b64, value or value_b64)"}}) {
    INFO(bad.line);
    auto r = run_in(db, {"import"}, RunOptions{good + bad.line + "\n" + good, {}});
    require_error(r, 2, "import: stdin line 2: " + bad.message + "; nothing was imported");
  }
  CHECK(run_in(db, {"get", "new"}).exit_code == 1);
  require_error(run_in(db, {"import", tmp.sub("missing.jsonl")}), 3, "import: cannot open");
}

TEST_CASE("import takes values up to the engine's limit, past the default segment size",
          "[cli][transfer]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string big(3 * 1024 * 1024, 'v');
  std::string input;
  for (int i = 0; i < 3; ++i) {
    input += "{\"key\":\"big" + std::to_string(i) + "\",\"value\":\"" + big + "\"}\n";
  }
  auto r = run_in(db, {"import"}, RunOptions{input, {}});
  require_ok(r);
  CHECK(r.out == "imported=3 lsn=3\n");  // one batch each: none fits beside another
  CHECK(run_in(db, {"get", "--raw", "big2"}).out == big);
}

}  // namespace
}  // namespace walkv::clitest
