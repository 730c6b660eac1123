// JSON Schema -> byte-level grammar (see json_schema_compiler.h for the supported subset and the decisions):
// the public entry points, keyword dispatch, scalars, enum/const and $ref rules. $ref targets become rules
// compiled from a work list (each once); inline sub-schemas are emitted between two states of the rule that
// contains them; every fault is a SchemaError with a JSON pointer to its keyword.
#include "engine/structured/json_schema_compiler.h"

#include <algorithm>
#include <cmath>

#include "engine/structured/json_fragments.h"
#include "engine/structured/schema_compiler.h"

namespace edgeserve::structured {

SchemaError::SchemaError(std::string path_, std::string message_)
    : path(std::move(path_)), message(std::move(message_)), what_((path.empty() ? "/" : path) + ": " + message) {}

namespace detail {
namespace {

constexpr std::string_view kRejected[] = {
    "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "uniqueItems", "contains", "minContains", "maxContains", "patternProperties", "propertyNames",
    "minProperties", "maxProperties", "dependencies", "dependentRequired", "dependentSchemas", "not", "if",
    "then", "else", "unevaluatedProperties", "unevaluatedItems", "additionalItems", "$dynamicRef",
    "$recursiveRef"};
constexpr std::string_view kConstraints[] = {
    "type", "properties", "required", "additionalProperties", "enum", "const", "items", "prefixItems",
    "minItems", "maxItems", "minLength", "maxLength", "anyOf", "oneOf", "allOf", "$ref"};

}  // namespace

std::string child(const std::string& path, std::string_view key) {
  std::string out = path + "/";
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string dump_value(const Json& value, const std::string& path) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    throw SchemaError(path, std::string("value cannot be written as JSON: ") + e.what());
  }
}

SchemaCompiler::SchemaCompiler(const Json& root) : root_(root), b_(kMaxGrammarStates) {}

CompiledGrammar SchemaCompiler::compile_schema() {
  const auto [start, end] = new_rule();
  rule_by_ref_["#"] = start;
  emit(root_, "", start, end, 0);
  drain_pending_refs();
  if (const int32_t start_of_cycle = b_.find_left_recursion(); start_of_cycle >= 0) {
    std::string ref = "#";
    for (const auto& [name, s] : rule_by_ref_) if (s == start_of_cycle) ref = name;
    throw SchemaError(ref == "#" ? "" : ref.substr(1),
                      "$ref '" + ref + "' recurses into itself without consuming any input");
  }
  return std::move(b_).finish(start);
}

CompiledGrammar SchemaCompiler::compile_any_object() {
  const auto [start, end] = new_rule();
  emit_free_object(start, end, nullptr, "", 0);
  return std::move(b_).finish(start);
}

std::pair<int32_t, int32_t> SchemaCompiler::new_rule() {
  const int32_t start = b_.new_state(), end = b_.new_state();
  b_.set_final(end);
  return {start, end};
}

void SchemaCompiler::drain_pending_refs() {
  while (!pending_.empty()) {
    PendingRef p = std::move(pending_.back());
    pending_.pop_back();
    emit(*p.schema, p.path, p.start, p.end, 0);
  }
}

bool SchemaCompiler::has_constraint_other_than(const Json& s, std::initializer_list<std::string_view> allowed) {
  for (std::string_view k : kConstraints) {
    if (s.contains(k) && std::find(allowed.begin(), allowed.end(), k) == allowed.end()) return true;
  }
  return false;
}

std::optional<int64_t> SchemaCompiler::bound(const Json& s, const char* key, const std::string& path) const {
  if (!s.contains(key)) return std::nullopt;
  const Json& v = s[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    throw SchemaError(child(path, key), "must be a non-negative integer");
  }
  if (v.get<int64_t>() > kMaxLengthBound) {
    throw SchemaError(child(path, key), "values above " + std::to_string(kMaxLengthBound) + " are not supported");
  }
  return v.get<int64_t>();
}

void SchemaCompiler::emit(const Json& s, const std::string& path, int32_t from, int32_t to, int depth) {
  if (depth > kMaxSchemaDepth) {
    throw SchemaError(path, "schema nested deeper than " + std::to_string(kMaxSchemaDepth) + " levels");
  }
  if (s.is_boolean()) {
    if (!s.get<bool>()) throw SchemaError(path, "the schema false matches no value");
    return emit_any(from, to);
  }
  if (!s.is_object()) throw SchemaError(path, "a schema must be an object or a boolean");
  for (std::string_view k : kRejected) {
    if (s.contains(k)) throw SchemaError(child(path, k), "keyword '" + std::string(k) + "' is not supported");
  }
  if (s.contains("$ref")) {
    if (has_constraint_other_than(s, {"$ref"})) throw SchemaError(path, "$ref beside other constraints is not supported");
    return b_.add_call(from, ref_rule(s["$ref"], child(path, "$ref")), to);
  }
  if (s.contains("allOf")) {
    const Json& all = s["allOf"];
    if (!all.is_array() || all.size() != 1 || has_constraint_other_than(s, {"allOf"})) {
      throw SchemaError(child(path, "allOf"), "only allOf with exactly one schema and no other constraints is supported");
    }
    return emit(all[0], child(path, "allOf") + "/0", from, to, depth + 1);
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    if (!s.contains(key)) continue;
    const Json& alternatives = s[key];
    if (!alternatives.is_array() || alternatives.empty()) throw SchemaError(child(path, key), "must be a non-empty array");
    if (has_constraint_other_than(s, {key})) throw SchemaError(path, std::string(key) + " beside other constraints is not supported");
    for (size_t i = 0; i < alternatives.size(); ++i) {
      emit(alternatives[i], child(path, key) + "/" + std::to_string(i), from, to, depth + 1);
    }
    return;
  }
  if (s.contains("enum") || s.contains("const")) return emit_enum(s, path, from, to);

  std::vector<std::string> types;
  if (s.contains("type")) {
    const Json& t = s["type"];
    if (t.is_string()) types.push_back(t.get<std::string>());
    else if (t.is_array() && !t.empty() && std::all_of(t.begin(), t.end(), [](const Json& x) { return x.is_string(); })) {
      for (const Json& x : t) types.push_back(x.get<std::string>());
    } else {
      throw SchemaError(child(path, "type"), "must be a type name or a non-empty array of type names");
    }
  } else if (s.contains("properties") || s.contains("required") || s.contains("additionalProperties")) {
    types.push_back("object");
  } else if (s.contains("items") || s.contains("prefixItems") || s.contains("minItems") || s.contains("maxItems")) {
    types.push_back("array");
  } else if (s.contains("minLength") || s.contains("maxLength")) {
    types.push_back("string");
  } else {
    return emit_any(from, to);
  }
  for (const std::string& type : types) emit_typed(s, type, path, from, to, depth);
}

void SchemaCompiler::emit_typed(const Json& s, const std::string& type, const std::string& path, int32_t from, int32_t to, int depth) {
  if (type == "string") {
    const int64_t min_length = bound(s, "minLength", path).value_or(0);
    const std::optional<int64_t> max_length = bound(s, "maxLength", path);
    if (max_length && *max_length < min_length) throw SchemaError(child(path, "maxLength"), "is below minLength");
    emit_string(b_, from, to, min_length, max_length);
  } else if (type == "number" || type == "integer") {
    emit_number(b_, from, to, type == "integer");
  } else if (type == "boolean") {
    b_.add_literal_to(from, "true", to);
    b_.add_literal_to(from, "false", to);
  } else if (type == "null") {
    b_.add_literal_to(from, "null", to);
  } else if (type == "object") {
    emit_object(s, path, from, to, depth);
  } else if (type == "array") {
    emit_array(s, path, from, to, depth);
  } else {
    throw SchemaError(child(path, "type"), "unknown type '" + type + "'");
  }
}

void SchemaCompiler::emit_enum(const Json& s, const std::string& path, int32_t from, int32_t to) {
  if (s.contains("enum") && s.contains("const")) throw SchemaError(path, "enum together with const is not supported");
  if (has_constraint_other_than(s, {"enum", "const", "type"})) {
    throw SchemaError(path, "enum/const beside constraints other than type is not supported");
  }
  const std::string key = s.contains("enum") ? "enum" : "const";
  std::vector<const Json*> values;
  if (key == "const") values.push_back(&s["const"]);
  else if (!s["enum"].is_array() || s["enum"].empty()) throw SchemaError(child(path, "enum"), "must be a non-empty array");
  else for (const Json& v : s["enum"]) values.push_back(&v);
  size_t num_emitted = 0;
  for (const Json* v : values) {
    if (s.contains("type") && !value_has_type(*v, s["type"])) continue;  // the validator would reject it
    b_.add_literal_to(from, dump_value(*v, child(path, key)), to);
    ++num_emitted;
  }
  if (num_emitted == 0) throw SchemaError(child(path, key), "no value matches the schema's type");
}

bool SchemaCompiler::value_has_type(const Json& v, const Json& type) {
  auto matches = [&v](const Json& t) {
    if (!t.is_string()) return false;
    const std::string name = t.get<std::string>();
    if (name == "integer") {
      return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                       std::floor(v.get<double>()) == v.get<double>());
    }
    if (name == "number") return v.is_number();
    if (name == "string") return v.is_string();
    if (name == "boolean") return v.is_boolean();
    if (name == "null") return v.is_null();
    if (name == "object") return v.is_object();
    if (name == "array") return v.is_array();
    return false;
  };
  if (type.is_array()) return std::any_of(type.begin(), type.end(), matches);
  return matches(type);
}

void SchemaCompiler::emit_value_or_any(const Json* schema, const std::string& path, int32_t from, int32_t to, int depth) {
  if (schema == nullptr) return emit_any(from, to);
  emit(*schema, path, from, to, depth);
}

int32_t SchemaCompiler::ref_rule(const Json& ref_value, const std::string& path) {
  if (!ref_value.is_string()) throw SchemaError(path, "must be a string");
  const std::string ref = ref_value.get<std::string>();
  if (auto it = rule_by_ref_.find(ref); it != rule_by_ref_.end()) return it->second;
  if (ref.empty() || ref[0] != '#') throw SchemaError(path, "only local references ('#...') are supported, got '" + ref + "'");
  const Json* target = nullptr;
  try {
    const Json::json_pointer pointer(ref.substr(1));
    if (root_.contains(pointer)) target = &root_.at(pointer);
  } catch (const nlohmann::json::exception&) {
    throw SchemaError(path, "'" + ref + "' is not a valid JSON pointer");
  }
  if (target == nullptr) throw SchemaError(path, "'" + ref + "' does not resolve to anything in the schema");
  const auto [start, end] = new_rule();
  rule_by_ref_[ref] = start;
  pending_.push_back({target, ref.substr(1), start, end});
  return start;
}

}  // namespace detail

namespace {

std::shared_ptr<const CompiledGrammar> compile_ordered(const nlohmann::ordered_json& schema) {
  try {
    detail::SchemaCompiler compiler(schema);
    return std::make_shared<const CompiledGrammar>(compiler.compile_schema());
  } catch (const std::length_error&) {
    throw SchemaError("", "schema too large: its grammar exceeds " + std::to_string(kMaxGrammarStates) + " states");
  }
}

}  // namespace

std::shared_ptr<const CompiledGrammar> compile_json_schema(const nlohmann::ordered_json& schema) {
  return compile_ordered(schema);
}

std::shared_ptr<const CompiledGrammar> compile_json_schema(const nlohmann::json& schema) {
  nlohmann::ordered_json ordered;
  try {
    ordered = nlohmann::ordered_json::parse(schema.dump());
  } catch (const nlohmann::json::exception& e) {  // a string that is not valid UTF-8
    throw SchemaError("", std::string("schema cannot be read: ") + e.what());
  }
  return compile_ordered(ordered);
}

std::shared_ptr<const CompiledGrammar> compile_json_schema_text(std::string_view schema_text) {
  nlohmann::ordered_json schema;
  try {
    schema = nlohmann::ordered_json::parse(schema_text);
  } catch (const nlohmann::json::exception& e) {
    throw SchemaError("", std::string("schema is not valid JSON: ") + e.what());
  }
  return compile_ordered(schema);
}

std::shared_ptr<const CompiledGrammar> compile_json_object_grammar() {
  static const nlohmann::ordered_json kNoSchema = nullptr;
  detail::SchemaCompiler compiler(kNoSchema);
  return std::make_shared<const CompiledGrammar>(compiler.compile_any_object());
}

}  // namespace edgeserve::structured
