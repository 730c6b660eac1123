// Random schemas for the structured-output property test (see random_schema.h).
#include "tests/unit/structured/random_schema.h"

#include <string>
#include <vector>

namespace edgeserve::structured::test {
namespace {

using Json = nlohmann::ordered_json;

class Generator {
 public:
  explicit Generator(std::mt19937_64& rng) : rng_(rng) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  Json value_literal() {
    static const std::vector<Json> kPool = {
        "red", "green", "a \"quoted\" word", "back\\slash", "caf\u00e9", "\u4e2d\u6587", "", 0, 7, -3, 2.5, 1e3,
        true, false, nullptr, Json::array({1, "x"}), Json{{"k", 1}}};
    return kPool[static_cast<size_t>(uniform(0, static_cast<int>(kPool.size()) - 1))];
  }

  Json string_schema() {
    Json s = {{"type", "string"}};
    if (chance(0.9)) {
      const int min_length = chance(0.5) ? 0 : uniform(0, 3);
      s["maxLength"] = min_length + uniform(0, 10);
      if (min_length > 0) s["minLength"] = min_length;
    } else if (chance(0.3)) {
      s["minLength"] = uniform(1, 2);
    }
    return s;
  }

  Json object_schema(int depth) {
    static const std::vector<std::string> kNames = {"id", "name", "tags", "value", "x", "y", "nested", "b\"q",
                                                    "with space", "\u00fcber", "count", "items"};
    Json s = {{"type", "object"}};
    if (chance(0.12)) {  // free-form keys, values of one schema
      s["additionalProperties"] = chance(0.5) ? scalar() : Json{{"type", "integer"}};
      return s;
    }
    Json properties = Json::object();
    std::vector<std::string> required;
    const int n = uniform(1, 4);
    for (int i = 0; i < n; ++i) {
      const std::string& name = kNames[static_cast<size_t>(uniform(0, static_cast<int>(kNames.size()) - 1))];
      if (properties.contains(name)) continue;
      properties[name] = schema(depth + 1);
      if (chance(0.6)) required.push_back(name);
    }
    s["properties"] = properties;
    if (!required.empty()) s["required"] = required;
    if (chance(0.5)) s["additionalProperties"] = false;
    return s;
  }

  Json array_schema(int depth) {
    Json s = {{"type", "array"}};
    if (chance(0.2)) {
      Json prefix = Json::array();
      for (int i = uniform(1, 2); i > 0; --i) prefix.push_back(schema(depth + 1));
      s["prefixItems"] = prefix;
      s["items"] = false;
      if (chance(0.5)) s["minItems"] = uniform(0, static_cast<int>(prefix.size()));
      return s;
    }
    s["items"] = schema(depth + 1);
    const int max_items = uniform(0, 3);
    s["maxItems"] = max_items;
    if (chance(0.4)) s["minItems"] = uniform(0, max_items);
    return s;
  }

  Json scalar() {
    switch (uniform(0, 7)) {
      case 0: case 1: return string_schema();
      case 2: return {{"type", "integer"}};
      case 3: return {{"type", "number"}};
      case 4: return {{"type", "boolean"}};
      case 5: return {{"type", "null"}};
      case 6: {
        Json values = Json::array();
        for (int i = uniform(1, 4); i > 0; --i) values.push_back(value_literal());
        return {{"enum", values}};
      }
      default: return {{"const", value_literal()}};
    }
  }

  Json schema(int depth) {
    if (depth >= 3) return scalar();
    switch (uniform(0, 9)) {
      case 0: case 1: return object_schema(depth);
      case 2: return array_schema(depth);
      case 3: {
        Json alternatives = Json::array();
        for (int i = uniform(2, 3); i > 0; --i) alternatives.push_back(schema(depth + 1));
        return {{"anyOf", alternatives}};
      }
      case 4:  // disjoint alternatives, so that oneOf's exactly-one holds for every generated value
        return {{"oneOf", Json::array({string_schema(), Json{{"type", "integer"}}, Json{{"type", "null"}}})}};
      case 5: {
        Json s = string_schema();
        s["type"] = Json::array({"string", chance(0.5) ? "null" : "boolean"});
        return s;
      }
      default: return scalar();
    }
  }

  Json with_refs() {
    const bool legacy = chance(0.3);
    const std::string defs_key = legacy ? "definitions" : "$defs";
    const std::string prefix = "#/" + defs_key + "/";
    Json node = {{"type", "object"},
                 {"properties", {{"value", {{"type", "integer"}}},
                                 {"children", {{"type", "array"}, {"items", {{"$ref", prefix + "Node"}}},
                                               {"maxItems", 2}}}}},
                 {"required", Json::array({"value"})},
                 {"additionalProperties", false}};
    Json defs = {{"Node", node}, {"Leaf", schema(2)}};
    Json root = {{defs_key, defs},
                 {"type", "object"},
                 {"properties", {{"tree", {{"$ref", prefix + "Node"}}},
                                 {"first", {{"$ref", prefix + "Leaf"}}},
                                 {"second", {{"allOf", Json::array({{{"$ref", prefix + "Leaf"}}})}}}}},
                 {"required", Json::array({"tree", "first"})}};
    return root;
  }

 private:
  std::mt19937_64& rng_;
};

}  // namespace

nlohmann::ordered_json random_schema(std::mt19937_64& rng) {
  Generator g(rng);
  if (g.chance(0.2)) return g.with_refs();
  if (g.chance(0.7)) return g.object_schema(0);
  return g.schema(0);
}

}  // namespace edgeserve::structured::test
