// Reference validator for the supported JSON Schema subset (see schema_validator.h). Semantics follow the
// specification, not the compiler: oneOf means exactly one, "integer" accepts 1.0, absent keywords allow all.
#include "tests/unit/structured/schema_validator.h"

#include <cmath>

namespace edgeserve::structured::test {
namespace {

using Json = nlohmann::json;

size_t count_code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

bool has_type(const Json& v, const std::string& type) {
  if (type == "integer") {
    return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                     std::floor(v.get<double>()) == v.get<double>());
  }
  if (type == "number") return v.is_number();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  return false;
}

// JSON equality with 1 == 1.0, as the specification asks.
bool json_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) if (!json_equal(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.items()) if (!b.contains(k) || !json_equal(v, b[k])) return false;
    return true;
  }
  return a == b;
}

std::string check(const Json& root, const Json& s, const Json& v, const std::string& at, int depth) {
  if (depth > 200) return at + ": reference recursion too deep";
  if (s.is_boolean()) return s.get<bool>() ? "" : at + ": schema false";
  if (s.contains("$ref")) {
    const std::string ref = s["$ref"];
    const Json& target = ref == "#" ? root : root.at(Json::json_pointer(ref.substr(1)));
    if (auto r = check(root, target, v, at, depth + 1); !r.empty()) return r;
  }
  if (s.contains("allOf")) for (const Json& sub : s["allOf"]) if (auto r = check(root, sub, v, at, depth + 1); !r.empty()) return r;
  if (s.contains("anyOf")) {
    bool any = false;
    for (const Json& sub : s["anyOf"]) any = any || check(root, sub, v, at, depth + 1).empty();
    if (!any) return at + ": no anyOf alternative matches";
  }
  if (s.contains("oneOf")) {
    int n = 0;
    for (const Json& sub : s["oneOf"]) n += check(root, sub, v, at, depth + 1).empty();
    if (n != 1) return at + ": " + std::to_string(n) + " oneOf alternatives match";
  }
  if (s.contains("type")) {
    const Json& t = s["type"];
    bool ok = false;
    if (t.is_string()) ok = has_type(v, t);
    else for (const Json& x : t) ok = ok || has_type(v, x);
    if (!ok) return at + ": type is not " + t.dump();
  }
  if (s.contains("enum")) {
    bool ok = false;
    for (const Json& e : s["enum"]) ok = ok || json_equal(e, v);
    if (!ok) return at + ": not in enum";
  }
  if (s.contains("const") && !json_equal(s["const"], v)) return at + ": not the const";
  if (v.is_string()) {
    const size_t n = count_code_points(v.get<std::string>());
    if (s.contains("minLength") && n < s["minLength"].get<size_t>()) return at + ": shorter than minLength";
    if (s.contains("maxLength") && n > s["maxLength"].get<size_t>()) return at + ": longer than maxLength";
  }
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) return at + ": fewer than minItems";
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>()) return at + ": more than maxItems";
    size_t num_prefix = 0;
    if (s.contains("prefixItems")) {
      num_prefix = s["prefixItems"].size();
      for (size_t i = 0; i < num_prefix && i < v.size(); ++i) {
        if (auto r = check(root, s["prefixItems"][i], v[i], at + "/" + std::to_string(i), depth + 1); !r.empty()) return r;
      }
    }
    if (s.contains("items")) {
      for (size_t i = num_prefix; i < v.size(); ++i) {
        if (auto r = check(root, s["items"], v[i], at + "/" + std::to_string(i), depth + 1); !r.empty()) return r;
      }
    }
  }
  if (v.is_object()) {
    if (s.contains("required")) {
      for (const Json& name : s["required"]) if (!v.contains(name.get<std::string>())) return at + ": missing " + name.dump();
    }
    for (const auto& [key, value] : v.items()) {
      const std::string here = at + "/" + key;
      if (s.contains("properties") && s["properties"].contains(key)) {
        if (auto r = check(root, s["properties"][key], value, here, depth + 1); !r.empty()) return r;
      } else if (s.contains("additionalProperties")) {
        if (auto r = check(root, s["additionalProperties"], value, here, depth + 1); !r.empty()) return r;
      }
    }
  }
  return "";
}

}  // namespace

std::string validate_against_schema(const nlohmann::json& schema, const nlohmann::json& value) {
  return check(schema, schema, value, "", 0);
}

}  // namespace edgeserve::structured::test
