// The CLI's encodings in-process: the escaped form read back (unescape), JSON's binary-safe
// key and value fields, and the units' error phrases.
#include <catch2/catch.hpp>
#include <string>

#include "escape.h"
#include "json_bytes.h"
#include "log_sizing.h"
#include "units.h"

namespace walkv::cli {
namespace {

std::string all_bytes() {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  return all;
}

TEST_CASE("unescape reads back every byte escape_bytes prints", "[cli][unit]") {
  for (const std::string& bytes : {all_bytes(), std::string("C:\\dir\\new"), std::string(""),
                                   std::string("caf\xc3\xa9 \"q\" 'x'")}) {
    std::string back, error;
    REQUIRE(unescape(escape_bytes(bytes), &back, &error));
    CHECK(back == bytes);
  }
}

TEST_CASE("unescape refuses malformed escapes and keeps quotes literal", "[cli][unit]") {
  std::string out, error;
  CHECK_FALSE(unescape("a\\q", &out, &error));
  CHECK(error == "bad escape \\q");
  CHECK_FALSE(unescape("\\x4", &out, &error));
  CHECK_FALSE(unescape("end\\", &out, &error));
  REQUIRE(unescape("\"a b\" \\x41", &out, &error));
  CHECK(out == "\"a b\" A");
}

TEST_CASE("JSON keeps UTF-8 as strings and other bytes as base64, both reading back",
          "[cli][unit]") {
  nlohmann::json obj = nlohmann::json::object();
  set_bytes(obj, "key", "user:1");
  set_bytes(obj, "value", all_bytes());
  CHECK(obj.contains("key"));
  CHECK(obj.contains("value_b64"));
  CHECK_FALSE(obj.contains("value"));
  // Through text and back, as export and import do.
  const auto parsed = nlohmann::json::parse(json_line(obj));
  std::string key, value, error;
  REQUIRE(get_bytes(parsed, "key", &key, &error));
  REQUIRE(get_bytes(parsed, "value", &value, &error));
  CHECK(key == "user:1");
  CHECK(value == all_bytes());

  const std::string controls("nul\0tab\t\x7f", 9);  // valid UTF-8: a string with \u escapes
  nlohmann::json text = nlohmann::json::object();
  set_bytes(text, "value", controls);
  CHECK(text.contains("value"));
  REQUIRE(get_bytes(nlohmann::json::parse(json_line(text)), "value", &value, &error));
  CHECK(value == controls);
}

TEST_CASE("base64 round-trips every length and refuses non-canonical text", "[cli][unit]") {
  const std::string all = all_bytes();
  for (std::size_t n = 0; n < 8; ++n) {
    std::string back;
    REQUIRE(base64_decode(base64_encode(all.substr(250 - n, n)), &back));
    CHECK(back == all.substr(250 - n, n));
  }
  CHECK(base64_encode("\x01\xfe") == "Af4=");
  std::string out;
  CHECK_FALSE(base64_decode("Af5=", &out));  // hidden bits set
  CHECK_FALSE(base64_decode("Af4", &out));
  CHECK_FALSE(base64_decode("A=f4", &out));
  CHECK_FALSE(base64_decode("Af4*", &out));
}

TEST_CASE("get_bytes names what is missing, doubled or malformed", "[cli][unit]") {
  std::string out, error;
  CHECK_FALSE(get_bytes(nlohmann::json::object(), "key", &out, &error));
  CHECK(error == "no \"key\" or \"key_b64\"");
  CHECK_FALSE(get_bytes({{"key", "a"}, {"key_b64", "YQ=="}}, "key", &out, &error));
  CHECK(error == "both \"key\" and \"key_b64\"");
  CHECK_FALSE(get_bytes({{"key", 5}}, "key", &out, &error));
  CHECK(error == "\"key\" is not a string");
  CHECK_FALSE(get_bytes({{"key_b64", "%%"}}, "key", &out, &error));
}

TEST_CASE("is_utf8 rejects what JSON strings cannot carry", "[cli][unit]") {
  CHECK(is_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  CHECK(is_utf8(std::string("\0", 1)));
  CHECK_FALSE(is_utf8("\xff"));
  CHECK_FALSE(is_utf8("\xc3"));
  CHECK_FALSE(is_utf8("\xc0\xaf"));
  CHECK_FALSE(is_utf8("\xed\xa0\x80"));
  CHECK_FALSE(is_utf8("\xf4\x90\x80\x80"));
}

TEST_CASE("unit errors say what is wrong with the text", "[cli][unit]") {
  CHECK(tool::duration_error("5ms").empty());
  CHECK(tool::duration_error("5") == "'5' needs a unit (us, ms, s)");
  CHECK(tool::duration_error("5x") == "'5x' has an unknown unit 'x' (use us, ms, s)");
  CHECK(tool::duration_error("0ms") == "'0ms' is not above zero");
  CHECK(tool::duration_error("-5ms") == "'-5ms' is not above zero");
  CHECK(tool::duration_error("2h") == "'2h' has an unknown unit 'h' (use us, ms, s)");
  CHECK(tool::duration_error("3601s") == "'3601s' is over the limit of 1 hour");
  CHECK(tool::duration_error("0.1us") == "'0.1us' is below the resolution of 1us");
  CHECK(tool::byte_size_error("64K").empty());
  CHECK(tool::byte_size_error("0") == "'0' is not above zero");
  CHECK(tool::byte_size_error("1.5M") ==
        "'1.5M' is not a whole number of bytes (use e.g. 65536, 64K, 1M)");
  CHECK(tool::byte_size_error("12X") == "'12X' has an unknown unit 'X' (use K, M, G)");
}

TEST_CASE("the log grows for a write larger than the default segment allows", "[cli][unit]") {
  GlobalOptions global;
  const LogSizing small = log_sizing(global, 0);
  CHECK(small.segment_bytes == kDefaultSegmentBytes);
  CHECK(small.segment_bytes > small.log_buffer_bytes + 4096);
  CHECK(small.flush_bytes <= small.log_buffer_bytes);
  const std::size_t big = write_bound(16 * 1024, 4 * 1024 * 1024);
  const LogSizing grown = log_sizing(global, big);
  CHECK(grown.log_buffer_bytes >= big);
  CHECK(grown.segment_bytes > grown.log_buffer_bytes + 4096);
}

}  // namespace
}  // namespace walkv::cli
