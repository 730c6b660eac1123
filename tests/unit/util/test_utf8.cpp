// utf8 helpers against Python's bytes.decode("utf-8", "replace") results (written out by hand below).
#include <catch2/catch.hpp>

#include "engine/util/utf8.h"

using namespace edgeserve;

TEST_CASE("utf8 validity follows the Unicode table", "[util][utf8]") {
  CHECK(utf8::is_valid(""));
  CHECK(utf8::is_valid("hello"));
  CHECK(utf8::is_valid("\xE4\xBD\xA0\xE5\xA5\xBD"));          // 你好
  CHECK(utf8::is_valid("\xF0\x9F\x98\x80"));                  // 😀
  CHECK_FALSE(utf8::is_valid("\xC0\xAF"));                    // overlong '/'
  CHECK_FALSE(utf8::is_valid("\xED\xA0\x80"));                // surrogate D800
  CHECK_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));            // > U+10FFFF
  CHECK_FALSE(utf8::is_valid("\xE4\xBD"));                    // truncated
  CHECK_FALSE(utf8::is_valid("\x80"));                        // lone continuation
}

TEST_CASE("utf8 sanitize replaces maximal invalid subparts like Python", "[util][utf8]") {
  // b"a\xe4\xbdb".decode("utf-8","replace") == "a\ufffdb"
  CHECK(utf8::sanitize("a\xE4\xBD" "b") == "a\xEF\xBF\xBD" "b");
  // b"\xc0\xaf".decode(...) == "\ufffd\ufffd"
  CHECK(utf8::sanitize("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  // b"\xed\xa0\x80".decode(...) == "\ufffd\ufffd\ufffd"
  CHECK(utf8::sanitize("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // b"\xf0\x9f\x98".decode(...) == "\ufffd"
  CHECK(utf8::sanitize("\xF0\x9F\x98") == "\xEF\xBF\xBD");
  CHECK(utf8::sanitize("ok \xF0\x9F\x98\x80") == "ok \xF0\x9F\x98\x80");
}

TEST_CASE("utf8 incomplete suffix is what a streaming decoder holds back", "[util][utf8]") {
  CHECK(utf8::incomplete_suffix_length("abc") == 0);
  CHECK(utf8::incomplete_suffix_length("a\xF0") == 1);
  CHECK(utf8::incomplete_suffix_length("a\xF0\x9F") == 2);
  CHECK(utf8::incomplete_suffix_length("a\xF0\x9F\x98") == 3);
  CHECK(utf8::incomplete_suffix_length("a\xF0\x9F\x98\x80") == 0);
  CHECK(utf8::incomplete_suffix_length("a\xE4\xBD") == 2);
  CHECK(utf8::incomplete_suffix_length("a\x80") == 0);     // invalid, not pending: nothing to wait for
  CHECK(utf8::incomplete_suffix_length("a\xF0\x41") == 0); // broken sequence: nothing to wait for
}

TEST_CASE("utf8 decode and append round-trip", "[util][utf8]") {
  for (char32_t cp : {U'A', U'\u00E9', U'\u4F60', U'\U0001F600', U'\U0010FFFF'}) {
    std::string s;
    utf8::append(s, cp);
    char32_t back = 0;
    size_t len = 0;
    REQUIRE(utf8::decode(s, 0, back, len));
    CHECK(back == cp);
    CHECK(len == s.size());
  }
}
