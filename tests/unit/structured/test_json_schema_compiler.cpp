// JSON Schema compiler, keyword by keyword: documents fed byte by byte through a GrammarMatcher must be
// accepted exactly when they are valid under JSON Schema 2020-12 and fit the documented output policy
// (schema property order, ", "/": " whitespace at most). Reference: the specification's wording per keyword and
// the RFC 8259 / RFC 3629 grammars for strings and numbers. Also the SchemaErrors for what is not supported.
#include <random>

#include <catch2/catch.hpp>

#include "tests/unit/structured/structured_test_util.h"

using namespace edgeserve::structured;
using edgeserve::structured::test::matches;

TEST_CASE("strings: escapes, UTF-8 validity and length in characters", "[structured]") {
  const char* s = R"({"type": "string"})";
  CHECK(matches(s, R"("abc")"));
  CHECK(matches(s, R"("")"));
  CHECK(matches(s, R"("a\nb\"c\\d\/\u00e9\uFFFF")"));
  CHECK(matches(s, "\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\""));
  CHECK_FALSE(matches(s, R"("\ud83d")"));    // surrogate escapes are excluded (documented)
  CHECK_FALSE(matches(s, R"("\x41")"));      // not a JSON escape
  CHECK_FALSE(matches(s, "\"a\nb\""));       // raw control character
  CHECK_FALSE(matches(s, "\"\xff\""));       // never valid in UTF-8
  CHECK_FALSE(matches(s, "\"\xc0\xaf\""));   // overlong
  CHECK_FALSE(matches(s, "\"\xed\xa0\x80\""));  // encoded surrogate
  CHECK_FALSE(matches(s, "\"\xf4\x90\x80\x80\""));  // past U+10FFFF
  CHECK_FALSE(matches(s, "abc"));
  CHECK_FALSE(matches(s, R"("abc)"));

  const char* bounded = R"({"type": "string", "minLength": 2, "maxLength": 3})";
  CHECK_FALSE(matches(bounded, R"("a")"));
  CHECK(matches(bounded, R"("ab")"));
  CHECK(matches(bounded, "\"\xc3\xa9\xc3\xa9\xc3\xa9\""));  // three characters, six bytes
  CHECK(matches(bounded, R"("\n\u0041")"));
  CHECK_FALSE(matches(bounded, R"("abcd")"));
  CHECK(matches(R"({"minLength": 2})", R"("abcdefgh")"));  // type inferred; no maximum
  CHECK_FALSE(matches(R"({"minLength": 2})", R"("a")"));
}

TEST_CASE("numbers and integers follow RFC 8259 with bounded digit counts", "[structured]") {
  const char* integer = R"({"type": "integer"})";
  for (const char* ok : {"0", "-0", "7", "-12", "1234567890123456"}) CHECK(matches(integer, ok));
  for (const char* bad : {"01", "1.5", "-", "+1", "1e3", "12345678901234567", ""}) CHECK_FALSE(matches(integer, bad));
  const char* number = R"({"type": "number"})";
  for (const char* ok : {"0", "-0.0", "1.5e10", "2E-3", "3e+07", "10.25"}) CHECK(matches(number, ok));
  for (const char* bad : {"1.", ".5", "1e", "1e123", "0x1", "- 1", "NaN"}) CHECK_FALSE(matches(number, bad));
}

TEST_CASE("boolean, null, type lists, enum and const", "[structured]") {
  CHECK(matches(R"({"type": "boolean"})", "true"));
  CHECK(matches(R"({"type": "boolean"})", "false"));
  CHECK_FALSE(matches(R"({"type": "boolean"})", "True"));
  CHECK(matches(R"({"type": "null"})", "null"));
  const char* nullable = R"({"type": ["string", "null"], "maxLength": 2})";
  CHECK(matches(nullable, "null"));
  CHECK(matches(nullable, R"("ab")"));
  CHECK_FALSE(matches(nullable, R"("abc")"));
  CHECK_FALSE(matches(nullable, "1"));
  const char* e = R"({"enum": ["a\"b", 1, null, {"k": [true]}]})";
  CHECK(matches(e, R"("a\"b")"));
  CHECK(matches(e, "1"));
  CHECK(matches(e, "null"));
  CHECK(matches(e, R"({"k":[true]})"));
  CHECK_FALSE(matches(e, "2"));
  CHECK_FALSE(matches(e, R"("a")"));
  // Values of the wrong type can never validate, so they are not generated.
  CHECK_FALSE(matches(R"({"type": "string", "enum": ["x", 3]})", "3"));
  CHECK(matches(R"({"type": "string", "enum": ["x", 3]})", R"("x")"));
  CHECK(matches(R"({"const": "fixed"})", R"("fixed")"));
  CHECK_FALSE(matches(R"({"const": "fixed"})", R"("other")"));
}

TEST_CASE("objects: schema order, required and optional properties, whitespace policy", "[structured]") {
  const char* s = R"({"type": "object", "properties": {"b": {"type": "integer"}, "a": {"type": "string"},
                      "c": {"type": "boolean"}}, "required": ["a"]})";
  CHECK(matches(s, R"({"b":1,"a":"x","c":true})"));
  CHECK(matches(s, R"({"a":"x"})"));
  CHECK(matches(s, R"({"b":1,"a":"x"})"));
  CHECK(matches(s, R"({"a":"x","c":false})"));
  CHECK(matches(s, R"({"b": 1, "a": "x", "c": true})"));
  CHECK_FALSE(matches(s, R"({"a":"x","b":1})"));        // not the schema's order
  CHECK_FALSE(matches(s, R"({"b":1})"));                // required a missing
  CHECK_FALSE(matches(s, R"({"a":"x","d":1})"));        // unlisted property
  CHECK_FALSE(matches(s, R"({ "a":"x"})"));             // space after '{'
  CHECK_FALSE(matches(s, R"({"a":  "x"})"));            // two spaces
  CHECK_FALSE(matches(s, "{\"a\":\n\"x\"}"));           // newline
  CHECK_FALSE(matches(s, R"({"a" :"x"})"));
  CHECK_FALSE(matches(s, R"({"a":"x",})"));
  CHECK(matches(R"({"type": "object", "properties": {"a": {}}})", "{}"));
  CHECK(matches(R"({"type": "object", "properties": {"a": {}}})", R"({"a":[1,{"z":null}]})"));
  CHECK(matches(R"({"type": "object", "additionalProperties": false})", "{}"));
  CHECK_FALSE(matches(R"({"type": "object", "additionalProperties": false})", R"({"a":1})"));
  // No properties: any keys, values per additionalProperties.
  const char* map = R"({"type": "object", "additionalProperties": {"type": "integer"}})";
  CHECK(matches(map, R"({"x":1, "y":2})"));
  CHECK(matches(map, "{}"));
  CHECK_FALSE(matches(map, R"({"x":"1"})"));
  // Required names outside properties are generated with the additionalProperties schema.
  const char* extra = R"({"type": "object", "properties": {"a": {"type": "null"}},
                          "required": ["z"], "additionalProperties": {"type": "boolean"}})";
  CHECK(matches(extra, R"({"a":null,"z":true})"));
  CHECK(matches(extra, R"({"z":false})"));
  CHECK_FALSE(matches(extra, R"({"a":null})"));
  // Property names are written as JSON strings.
  CHECK(matches(R"({"properties": {"q\"x": {"const": 1}}, "required": ["q\"x"]})", R"({"q\"x":1})"));
}

TEST_CASE("arrays: items, prefixItems, minItems, maxItems", "[structured]") {
  const char* s = R"({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3})";
  CHECK_FALSE(matches(s, "[]"));
  CHECK(matches(s, "[1]"));
  CHECK(matches(s, "[1,2, 3]"));
  CHECK_FALSE(matches(s, "[1,2,3,4]"));
  CHECK_FALSE(matches(s, "[1,]"));
  CHECK_FALSE(matches(s, "[\"a\"]"));
  const char* open = R"({"type": "array", "items": {"type": "boolean"}})";
  CHECK(matches(open, "[]"));
  CHECK(matches(open, "[true,false,true,true,false]"));
  const char* min_only = R"({"type": "array", "minItems": 2})";
  CHECK_FALSE(matches(min_only, "[1]"));
  CHECK(matches(min_only, R"([1,"a",null,{}])"));
  const char* tuple = R"({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}],
                          "items": {"type": "null"}})";
  CHECK(matches(tuple, "[]"));
  CHECK(matches(tuple, R"(["a"])"));
  CHECK(matches(tuple, R"(["a",1,null,null])"));
  CHECK_FALSE(matches(tuple, R"([1])"));
  CHECK_FALSE(matches(tuple, R"(["a",1,2])"));
  const char* closed = R"({"prefixItems": [{"type": "integer"}], "items": false})";
  CHECK(matches(closed, "[5]"));
  CHECK_FALSE(matches(closed, "[5,6]"));
}

TEST_CASE("anyOf, oneOf (as anyOf), allOf with one member", "[structured]") {
  const char* any = R"({"anyOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                                  {"type": "object", "properties": {"b": {"type": "string"}}, "required": ["b"]},
                                  {"type": "integer"}]})";
  CHECK(matches(any, R"({"a":1})"));
  CHECK(matches(any, R"({"b":"x"})"));
  CHECK(matches(any, "42"));
  CHECK_FALSE(matches(any, R"({"a":"x"})"));
  CHECK(matches(R"({"oneOf": [{"type": "string"}, {"type": "null"}]})", "null"));
  CHECK(matches(R"({"allOf": [{"type": "integer"}], "description": "x"})", "3"));
}

TEST_CASE("$ref to $defs and definitions, recursive refs", "[structured]") {
  const char* tree = R"({"$defs": {"node": {"type": "object",
      "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
      "required": ["v", "kids"]}}, "$ref": "#/$defs/node"})";
  CHECK(matches(tree, R"({"v":1,"kids":[]})"));
  CHECK(matches(tree, R"({"v":1,"kids":[{"v":2,"kids":[{"v":3,"kids":[]}]},{"v":4,"kids":[]}]})"));
  CHECK_FALSE(matches(tree, R"({"v":1,"kids":[{"v":2}]})"));
  const char* legacy = R"({"definitions": {"Color": {"enum": ["red", "blue"]}},
                           "properties": {"c": {"$ref": "#/definitions/Color"}}, "required": ["c"]})";
  CHECK(matches(legacy, R"({"c":"red"})"));
  CHECK_FALSE(matches(legacy, R"({"c":"green"})"));
  const char* self = R"({"anyOf": [{"type": "integer"}, {"type": "array", "items": {"$ref": "#"}}]})";
  CHECK(matches(self, "[1,[2,[[]]]]"));
  CHECK_FALSE(matches(self, "[1,[\"a\"]]"));
}

TEST_CASE("json_object mode accepts any object and nothing else", "[structured]") {
  const auto g = compile_json_object_grammar();
  CHECK(matches(g, "{}"));
  CHECK(matches(g, R"({"a": [1, 2.5e3, {"b": null}], "c": "d", "e": true})"));
  CHECK_FALSE(matches(g, "[1]"));
  CHECK_FALSE(matches(g, "\"s\""));
  CHECK(matches(R"({})", "[1]"));  // the empty schema: any value
  CHECK(matches(R"(true)", "\"x\""));
}

namespace {
SchemaError error_of(std::string_view schema_text) {
  try {
    compile_json_schema_text(schema_text);
  } catch (const SchemaError& e) {
    return e;
  }
  FAIL("expected a SchemaError for " << schema_text);
  return {"", ""};
}
}  // namespace

TEST_CASE("unsupported and malformed schemas give a SchemaError naming the keyword", "[structured]") {
  CHECK(error_of(R"({"type": "string", "pattern": "^a"})").path == "/pattern");
  CHECK(error_of(R"({"properties": {"d": {"type": "string", "format": "date"}}})").path == "/properties/d/format");
  CHECK(error_of(R"({"type": "integer", "minimum": 0})").path == "/minimum");
  CHECK(error_of(R"({"type": "strin"})").message.find("unknown type") != std::string::npos);
  CHECK(error_of(R"({"$ref": "#/$defs/missing"})").message.find("does not resolve") != std::string::npos);
  CHECK(error_of(R"({"$ref": "other.json#/a"})").message.find("local") != std::string::npos);
  CHECK(error_of(R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}},
                     "$ref": "#/$defs/a"})").message.find("without consuming") != std::string::npos);
  CHECK(error_of(R"({"$ref": "#"})").message.find("without consuming") != std::string::npos);
  CHECK(error_of("false").message.find("matches no value") != std::string::npos);
  CHECK(error_of(R"({"type": "string", "minLength": 3, "maxLength": 2})").path == "/maxLength");
  CHECK(error_of(R"({"type": "string", "maxLength": -1})").path == "/maxLength");
  CHECK(error_of(R"({"type": "string", "maxLength": 100000})").path == "/maxLength");
  CHECK(error_of(R"({"type": "array", "items": [{"type": "string"}]})").path == "/items");
  CHECK(error_of(R"({"anyOf": []})").path == "/anyOf");
  CHECK(error_of(R"({"allOf": [{"type": "string"}, {"maxLength": 2}]})").path == "/allOf");
  CHECK(error_of(R"({"type": "object", "required": ["x"], "additionalProperties": false})").path == "/required");
  CHECK(error_of(R"({"enum": [1, 2], "type": "string"})").path == "/enum");
  CHECK(error_of("[1, 2]").message.find("must be an object") != std::string::npos);
  CHECK(error_of("{not json").message.find("not valid JSON") != std::string::npos);
  // Nesting past the depth limit.
  std::string deep = R"({"type": "string"})";
  for (int i = 0; i < 80; ++i) deep = R"({"type": "array", "items": )" + deep + "}";
  CHECK(error_of(deep).message.find("deeper") != std::string::npos);
  // A grammar past the state limit: many long bounded strings.
  std::string wide = R"({"anyOf": [)";
  for (int i = 0; i < 12; ++i) wide += std::string(i ? "," : "") + R"({"type": "string", "maxLength": )" + std::to_string(4000 + i) + "}";
  wide += "]}";
  CHECK(error_of(wide).message.find("too large") != std::string::npos);
  // SchemaError::what() carries both.
  CHECK(std::string(error_of(R"({"pattern": "x"})").what()) == "/pattern: keyword 'pattern' is not supported");
}

namespace {
// A random JSON value built from schema keywords and junk, so that every keyword meets every kind of value.
nlohmann::ordered_json random_junk(std::mt19937_64& rng, int depth) {
  static const char* kKeys[] = {"type", "properties", "required", "additionalProperties", "enum", "const", "items",
                                "prefixItems", "minItems", "maxItems", "minLength", "maxLength", "anyOf", "oneOf",
                                "allOf", "$ref", "$defs", "definitions", "title", "x"};
  static const char* kStrings[] = {"object", "array", "string", "integer", "number", "boolean", "null", "#",
                                   "#/$defs/a", "#/definitions/a", "#/properties", "#/$defs/a/items", "a", "~2", ""};
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  switch (depth > 4 ? pick(4) : pick(7)) {
    case 0: return pick(2) == 0;
    case 1: return pick(10) - 3;
    case 2: return kStrings[pick(static_cast<int>(std::size(kStrings)))];
    case 3: return nullptr;
    case 4: {
      nlohmann::ordered_json a = nlohmann::ordered_json::array();
      for (int i = pick(4); i > 0; --i) a.push_back(random_junk(rng, depth + 1));
      return a;
    }
    default: {
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      for (int i = pick(5); i > 0; --i) o[kKeys[pick(static_cast<int>(std::size(kKeys)))]] = random_junk(rng, depth + 1);
      if (pick(3) == 0) o["$defs"] = {{"a", random_junk(rng, depth + 1)}};
      return o;
    }
  }
}
}  // namespace

TEST_CASE("junk schemas compile or raise SchemaError, and what compiles runs without dead ends", "[structured]") {
  // Reference: the contract in json_schema_compiler.h (SchemaError is the only failure) and GrammarMatcher's
  // (a byte is accepted exactly when the mask allows it).
  std::mt19937_64 rng(99);
  int num_compiled = 0;
  for (int i = 0; i < 3000; ++i) {
    const nlohmann::ordered_json schema = random_junk(rng, 0);
    INFO("schema: " << schema.dump());
    std::shared_ptr<const CompiledGrammar> grammar;
    try {
      grammar = compile_json_schema(schema);
    } catch (const SchemaError&) {
      continue;
    }
    ++num_compiled;
    GrammarMatcher m(grammar, edgeserve::structured::test::byte_index(), {edgeserve::structured::test::kByteStopId});
    edgeserve::sampler::TokenBitmask mask(edgeserve::structured::test::kByteStopId + 1);
    for (int step = 0; step < 30 && !m.is_terminated(); ++step) {
      m.fill_next_token_bitmask(mask);
      std::vector<int32_t> allowed;
      for (int32_t id = 0; id <= edgeserve::structured::test::kByteStopId; ++id) if (mask.is_allowed(id)) allowed.push_back(id);
      REQUIRE_FALSE(allowed.empty());
      const int32_t byte = allowed[rng() % allowed.size()];
      const int32_t other = static_cast<int32_t>(rng() % 256);
      GrammarMatcher copy = m;
      CHECK(copy.accept_token(other) == mask.is_allowed(other));
      REQUIRE(m.accept_token(byte));
    }
  }
  INFO("junk schemas compiled: " << num_compiled << " of 3000");
  CHECK(num_compiled > 100);  // the generator reaches the compiler's success paths too
}
