// Every byte value through every way in and out: what walkv prints (escaped text, shell
// answers, export's JSON lines) is what it reads back (--escaped arguments, shell words,
// import), naming the same bytes.
#include <catch2/catch.hpp>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "cli_test_util.h"

namespace walkv::clitest {
namespace {

std::string byte_key(int b) { return std::string("k") + static_cast<char>(b); }

// The same bytes, every one written as \xHH: an input form that relies on no printing rule.
std::string hex_escaped(const std::string& bytes) {
  std::string out;
  char buf[5];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  }
  return out;
}

std::string all_bytes() {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  return all;
}

// A database with key "k<b>" holding "<b>" + all 256 bytes, for every byte b, loaded
// through the shell with \xHH escapes.
void load_every_byte(const std::string& db) {
  std::string script;
  for (int b = 0; b < 256; ++b) {
    script += "put \"" + hex_escaped(byte_key(b)) + "\" \"" +
              hex_escaped(std::string(1, static_cast<char>(b)) + all_bytes()) + "\"\n";
  }
  auto r = run_in(db, {"shell"}, RunOptions{script, std::nullopt});
  require_ok(r);
  REQUIRE(lines_of(r.out).size() == 256);
}

// The first double-quoted word of a shell line (escapes inside kept as they are).
std::string first_quoted(const std::string& line, std::size_t* end) {
  const std::size_t open = line.find('"');
  std::size_t i = open + 1;
  while (line[i] != '"') i += line[i] == '\\' ? 2 : 1;
  *end = i + 1;
  return line.substr(open, i + 1 - open);
}

TEST_CASE("escaped arguments read back what get and scan print, for all 256 bytes",
          "[cli][roundtrip]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  const std::string all = all_bytes();
  require_ok(run_in(db, {"--escaped", "put", hex_escaped(all), hex_escaped(all)}));
  auto raw = run_in(db, {"-e", "get", "--raw", hex_escaped(all)});
  require_ok(raw);
  REQUIRE(raw.out == all);

  // scan prints key<TAB>value escaped; the printed key, pasted back, finds the pair.
  auto scan = run_in(db, {"scan"});
  require_ok(scan);
  const auto lines = lines_of(scan.out);
  REQUIRE(lines.size() == 1);
  const std::string printed_key = lines[0].substr(0, lines[0].find('\t'));
  const std::string printed_value = lines[0].substr(lines[0].find('\t') + 1);
  auto get = run_in(db, {"-e", "get", printed_key});
  require_ok(get);
  CHECK(get.out == printed_value + "\n");
  auto again = run_in(db, {"--escaped", "put", printed_key, printed_value});
  require_ok(again);
  REQUIRE(run_in(db, {"get", "--raw", "-e", printed_key}).out == all);

  // Without --escaped an argument is taken as it is: backslashes stay backslashes.
  require_ok(run_in(db, {"put", "path", "C:\\new"}));
  CHECK(run_in(db, {"get", "--raw", "path"}).out == "C:\\new");
  CHECK(run_in(db, {"-e", "get", "--raw", "p\\x61th"}).out == "C:\\new");
  require_ok(run_in(db, {"-e", "put", "path", "C:\\new"}));  // with --escaped, \n is a newline
  CHECK(run_in(db, {"get", "--raw", "path"}).out == "C:\new");
}

TEST_CASE("shell answers are shell words: every key and value typed back reads the same",
          "[cli][roundtrip]") {
  TempDir tmp;
  const std::string db = tmp.sub("db");
  load_every_byte(db);
  auto scan = run_in(db, {"shell"}, RunOptions{"scan \"\" 1000\n", std::nullopt});
  require_ok(scan);
  const auto lines = lines_of(scan.out);
  REQUIRE(lines.size() == 257);
  CHECK(lines.back() == "(256 pairs)");
  // For every pair line: `get <printed key>` answers <printed value>.
  std::string gets;
  std::vector<std::string> values;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    REQUIRE(lines[i].rfind("  \"", 0) == 0);
    std::size_t end = 0;
    gets += "get " + first_quoted(lines[i], &end) + "\n";
    values.push_back(lines[i].substr(end + 1));
  }
  auto answers = run_in(db, {"shell"}, RunOptions{gets, std::nullopt});
  require_ok(answers);
  const auto got = lines_of(answers.out);
  REQUIRE(got.size() == values.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("pair " << i);
    CHECK(got[i] == values[i]);
  }
  for (int b : std::initializer_list<int>{0, 9, 10, 13, 32, '"', '\'', '\\', '=', '#', 0x7f, 0x80, 0xc3, 0xfe, 0xff}) {
    INFO("byte " << b);
    auto raw = run_in(db, {"-e", "get", "--raw", hex_escaped(byte_key(b))});
    require_ok(raw);
    CHECK(raw.out == std::string(1, static_cast<char>(b)) + all_bytes());
  }
}

TEST_CASE("export then import copies every byte of every key and value", "[cli][roundtrip]") {
  TempDir tmp;
  const std::string source = tmp.sub("source");
  const std::string copy = tmp.sub("copy");
  load_every_byte(source);
  auto exported = run_in(source, {"export"});
  require_ok(exported);
  REQUIRE(lines_of(exported.out).size() == 256);
  auto imported = run_in(copy, {"import"}, RunOptions{exported.out, std::nullopt});
  require_ok(imported);
  CHECK(imported.out == "imported=256 lsn=1\n");  // one batch, one LSN

  CHECK(run_in(copy, {"export"}).out == exported.out);
  CHECK(run_in(copy, {"scan"}).out == run_in(source, {"scan"}).out);
  for (int b : std::initializer_list<int>{0, 10, '"', '\\', 0x80, 0xff}) {
    INFO("byte " << b);
    CHECK(run_in(copy, {"-e", "get", "--raw", hex_escaped(byte_key(b))}).out ==
          std::string(1, static_cast<char>(b)) + all_bytes());
  }
}

}  // namespace
}  // namespace walkv::clitest
