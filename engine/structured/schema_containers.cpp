// SchemaCompiler's containers: objects with listed properties (schema order, optional ones skippable),
// free-form objects, arrays (prefixItems, items, min/maxItems) and the shared any-JSON-value rule.
#include <algorithm>
#include <array>

#include "engine/structured/json_fragments.h"
#include "engine/structured/json_schema_compiler.h"
#include "engine/structured/schema_compiler.h"

namespace edgeserve::structured::detail {

void SchemaCompiler::emit_object(const Json& s, const std::string& path, int32_t from, int32_t to, int depth) {
  struct Property {
    std::string name;
    const Json* schema;  // nullptr: any value
    std::string path;
    bool required = false;
  };
  std::vector<Property> properties;
  if (s.contains("properties")) {
    if (!s["properties"].is_object()) throw SchemaError(child(path, "properties"), "must be an object");
    for (const auto& [name, sub] : s["properties"].items()) {
      properties.push_back({name, &sub, child(child(path, "properties"), name)});
    }
  }
  const Json* additional = nullptr;  // any value
  bool additional_allowed = true;
  if (s.contains("additionalProperties")) {
    const Json& a = s["additionalProperties"];
    if (a.is_boolean()) additional_allowed = a.get<bool>();
    else if (a.is_object()) additional = &a;
    else throw SchemaError(child(path, "additionalProperties"), "must be a boolean or a schema");
  }
  if (s.contains("required")) {
    const Json& req = s["required"];
    if (!req.is_array()) throw SchemaError(child(path, "required"), "must be an array of property names");
    for (const Json& r : req) {
      if (!r.is_string()) throw SchemaError(child(path, "required"), "must be an array of property names");
      const std::string name = r.get<std::string>();
      auto it = std::find_if(properties.begin(), properties.end(), [&](const Property& p) { return p.name == name; });
      if (it == properties.end()) {
        if (!additional_allowed) {
          throw SchemaError(child(path, "required"), "required property '" + name + "' is not in properties and additionalProperties is false");
        }
        properties.push_back({name, additional, child(path, "additionalProperties")});
        it = properties.end() - 1;
      }
      it->required = true;
    }
  }
  if (properties.empty()) {
    if (!additional_allowed) return b_.add_literal_to(from, "{}", to);
    return emit_free_object(from, to, additional, child(path, "additionalProperties"), depth + 1);
  }
  // at[i][e]: properties before i are decided; e = 1 once one was written (the next needs a comma).
  // key[j][e]: about to write property j.
  const size_t n = properties.size();
  std::vector<std::array<int32_t, 2>> at(n + 1), key(n);
  for (auto& a : at) a = {b_.new_state(), b_.new_state()};
  for (auto& k : key) k = {b_.new_state(), b_.new_state()};
  b_.add_bytes(from, ByteClass::of('{'), at[0][0]);
  for (size_t j = 0; j < n; ++j) {
    emit_separator(b_, key[j][1], ',', key[j][0]);
    std::string literal = dump_value(Json(properties[j].name), properties[j].path) + ":";
    const int32_t colon = b_.add_literal(key[j][0], literal);
    const int32_t value = b_.new_state();
    b_.add_epsilon(colon, value);
    b_.add_bytes(colon, ByteClass::of(' '), value);
    emit_value_or_any(properties[j].schema, properties[j].path, value, at[j + 1][1], depth + 1);
  }
  // Skipping an optional property is an epsilon step to the next one: O(n) edges however many are optional.
  for (size_t i = 0; i < n; ++i) {
    for (int e = 0; e < 2; ++e) {
      b_.add_epsilon(at[i][e], key[i][e]);
      if (!properties[i].required) b_.add_epsilon(at[i][e], at[i + 1][e]);
    }
  }
  for (int e = 0; e < 2; ++e) b_.add_bytes(at[n][e], ByteClass::of('}'), to);
}

void SchemaCompiler::emit_array(const Json& s, const std::string& path, int32_t from, int32_t to, int depth) {
  std::vector<std::pair<const Json*, std::string>> prefix;
  if (s.contains("prefixItems")) {
    const Json& p = s["prefixItems"];
    if (!p.is_array()) throw SchemaError(child(path, "prefixItems"), "must be an array of schemas");
    for (size_t i = 0; i < p.size(); ++i) prefix.push_back({&p[i], child(path, "prefixItems") + "/" + std::to_string(i)});
  }
  const Json* items = nullptr;  // any value
  bool more_allowed = true;
  if (s.contains("items")) {
    const Json& it = s["items"];
    if (it.is_array()) throw SchemaError(child(path, "items"), "items as an array is not supported (use prefixItems)");
    if (it.is_boolean()) more_allowed = it.get<bool>();
    else if (it.is_object()) items = &it;
    else throw SchemaError(child(path, "items"), "must be a schema");
  }
  const int64_t min_items = bound(s, "minItems", path).value_or(0);
  std::optional<int64_t> max_items = bound(s, "maxItems", path);
  if (!more_allowed) max_items = std::min<int64_t>(max_items.value_or(static_cast<int64_t>(prefix.size())), prefix.size());
  if (max_items && *max_items < min_items) throw SchemaError(path, "minItems exceeds the most items the array can hold");
  if (static_cast<int64_t>(prefix.size()) > kMaxLengthBound) throw SchemaError(child(path, "prefixItems"), "too many schemas");

  // The items schema is one rule called at every position past the prefix, so chains share its states.
  int32_t items_rule = -1;
  auto emit_item = [&](int64_t k, int32_t start, int32_t end) {
    if (k < static_cast<int64_t>(prefix.size())) return emit(*prefix[k].first, prefix[k].second, start, end, depth + 1);
    if (items_rule < 0) {
      const auto [rs, re] = new_rule();
      emit_value_or_any(items, child(path, "items"), rs, re, depth + 1);
      items_rule = rs;
    }
    b_.add_call(start, items_rule, end);
  };
  const int32_t open = b_.new_state();
  b_.add_bytes(from, ByteClass::of('['), open);
  // after[k]: k items written. The chain runs to the last count that needs its own state.
  const int64_t chain = max_items ? *max_items : std::max<int64_t>(min_items, prefix.size());
  int32_t after = open;
  for (int64_t k = 0;; ++k) {
    if (k >= min_items) b_.add_bytes(after, ByteClass::of(']'), to);
    if (k == chain) break;
    int32_t item_start = after;
    if (k > 0) { item_start = b_.new_state(); emit_separator(b_, after, ',', item_start); }
    const int32_t next = b_.new_state();
    emit_item(k, item_start, next);
    after = next;
  }
  if (max_items) return;
  int32_t loop = after;
  if (chain == 0) {  // the first unbounded item has no comma before it
    loop = b_.new_state();
    emit_item(chain, after, loop);
    b_.add_bytes(loop, ByteClass::of(']'), to);
  }
  const int32_t item_start = b_.new_state();
  emit_separator(b_, loop, ',', item_start);
  emit_item(chain, item_start, loop);
}

int32_t SchemaCompiler::any_value_rule() {
  if (any_value_start_ >= 0) return any_value_start_;
  const auto [start, end] = new_rule();
  any_value_start_ = start;
  emit_free_object(start, end, nullptr, "", 0);
  const int32_t open = b_.new_state(), item = b_.new_state(), after = b_.new_state();
  b_.add_bytes(start, ByteClass::of('['), open);
  b_.add_bytes(open, ByteClass::of(']'), end);
  b_.add_epsilon(open, item);
  b_.add_call(item, start, after);
  b_.add_bytes(after, ByteClass::of(']'), end);
  emit_separator(b_, after, ',', item);
  emit_string(b_, start, end, 0, std::nullopt);
  emit_number(b_, start, end, false);
  for (const char* literal : {"true", "false", "null"}) b_.add_literal_to(start, literal, end);
  return start;
}

void SchemaCompiler::emit_free_object(int32_t from, int32_t to, const Json* value_schema, const std::string& path, int depth) {
  const int32_t open = b_.new_state(), pair = b_.new_state(), key_done = b_.new_state(), value = b_.new_state(),
                after = b_.new_state();
  b_.add_bytes(from, ByteClass::of('{'), open);
  b_.add_bytes(open, ByteClass::of('}'), to);
  b_.add_epsilon(open, pair);
  emit_string(b_, pair, key_done, 0, std::nullopt);
  emit_separator(b_, key_done, ':', value);
  emit_value_or_any(value_schema, path, value, after, depth);
  b_.add_bytes(after, ByteClass::of('}'), to);
  emit_separator(b_, after, ',', pair);
}

}  // namespace edgeserve::structured::detail
