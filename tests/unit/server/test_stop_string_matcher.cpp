// StopStringMatcher against a whole-string reference: for every way of cutting a text into deltas, the
// concatenated output equals the text up to the first stop string (or all of it), and nothing that could
// still start a stop string is released early.
#include <catch2/catch.hpp>

#include <random>

#include "server/stop_string_matcher.h"

using edgeserve::StopStringMatcher;

namespace {

std::string reference(const std::string& text, const std::vector<std::string>& stops) {
  size_t first = std::string::npos;
  for (const auto& s : stops)
    if (!s.empty()) first = std::min(first, text.find(s));
  return first == std::string::npos ? text : text.substr(0, first);
}

}  // namespace

TEST_CASE("stop strings hold back possible starts and cut at the first match", "[server]") {
  StopStringMatcher m({"###", "END"});
  CHECK(m.add("Hello #") == "Hello ");
  CHECK(m.add("#") == "");
  CHECK(m.add(" world") == "## world");
  CHECK(m.add(" E") == " ");
  CHECK(m.add("NDING") == "");
  CHECK(m.stopped());
  CHECK(m.add("more") == "");
  CHECK(m.flush() == "");
}

TEST_CASE("without a match the held-back text comes out at flush", "[server]") {
  StopStringMatcher m({"</answer>"});
  CHECK(m.add("x </ans") == "x ");
  CHECK_FALSE(m.stopped());
  CHECK(m.flush() == "</ans");
}

TEST_CASE("no stop strings pass everything through", "[server]") {
  StopStringMatcher m({"", ""});
  CHECK(m.add("abc") == "abc");
  CHECK(m.flush() == "");
}

TEST_CASE("random cuts of random texts match the whole-string reference", "[server]") {
  std::mt19937 rng(11);
  const std::vector<std::vector<std::string>> stop_sets = {{"ab"}, {"aab", "b a"}, {"\xC3\xA9t\xC3\xA9"}, {"a", "bb"}};
  const std::string alphabet[] = {"a", "b", " ", "\xC3\xA9", "t"};
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    for (int i = 0, n = static_cast<int>(rng() % 20); i < n; ++i) text += alphabet[rng() % 5];
    const auto& stops = stop_sets[static_cast<size_t>(trial) % stop_sets.size()];
    StopStringMatcher m(stops);
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t len = std::min(text.size() - pos, static_cast<size_t>(1 + rng() % 4));
      out += m.add(std::string_view(text).substr(pos, len));
      // Released text never ends inside what might become a stop string at the reference's cut.
      REQUIRE(reference(text, stops).compare(0, out.size(), out) == 0);
      pos += len;
    }
    out += m.flush();
    REQUIRE(out == reference(text, stops));
  }
}
