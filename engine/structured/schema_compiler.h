#pragma once
// SchemaCompiler: the JSON Schema -> grammar translation behind json_schema_compiler.h, split over
// json_schema_compiler.cpp (dispatch, scalars, enum/const, $ref, the public entry points) and
// schema_containers.cpp (objects, arrays, any JSON value). Internal to engine/structured: callers include
// json_schema_compiler.h. One compiler per schema; not reusable.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/structured/grammar.h"

namespace edgeserve::structured::detail {

using Json = nlohmann::ordered_json;

// path + "/" + key as a JSON pointer token (~ and / escaped).
std::string child(const std::string& path, std::string_view key);
// value.dump(), or a SchemaError at `path` when it cannot be written (invalid UTF-8).
std::string dump_value(const Json& value, const std::string& path);

class SchemaCompiler {
 public:
  explicit SchemaCompiler(const Json& root);

  // Throws SchemaError; std::length_error when the grammar outgrows kMaxGrammarStates.
  CompiledGrammar compile_schema();
  CompiledGrammar compile_any_object();

 private:
  struct PendingRef {  // a $ref target waiting to be compiled into its rule
    const Json* schema;
    std::string path;
    int32_t start, end;
  };

  std::pair<int32_t, int32_t> new_rule();  // {start, final end}
  void drain_pending_refs();
  static bool has_constraint_other_than(const Json& s, std::initializer_list<std::string_view> allowed);
  std::optional<int64_t> bound(const Json& s, const char* key, const std::string& path) const;

  // Each emit_* adds the paths for one value between `from` and `to`.
  void emit(const Json& s, const std::string& path, int32_t from, int32_t to, int depth);
  void emit_typed(const Json& s, const std::string& type, const std::string& path, int32_t from, int32_t to, int depth);
  void emit_enum(const Json& s, const std::string& path, int32_t from, int32_t to);
  static bool value_has_type(const Json& v, const Json& type);
  void emit_object(const Json& s, const std::string& path, int32_t from, int32_t to, int depth);
  void emit_array(const Json& s, const std::string& path, int32_t from, int32_t to, int depth);
  void emit_value_or_any(const Json* schema, const std::string& path, int32_t from, int32_t to, int depth);
  // '{' (key ':' value (',' key ':' value)*)? '}' with any keys; values match `value_schema` (nullptr: any).
  void emit_free_object(int32_t from, int32_t to, const Json* value_schema, const std::string& path, int depth);
  // Any JSON value: one shared recursive rule, made on first use.
  int32_t any_value_rule();
  void emit_any(int32_t from, int32_t to) { b_.add_call(from, any_value_rule(), to); }
  int32_t ref_rule(const Json& ref_value, const std::string& path);

  const Json& root_;
  GrammarBuilder b_;
  std::map<std::string, int32_t> rule_by_ref_;  // "$ref" string -> its rule's start state
  std::vector<PendingRef> pending_;
  int32_t any_value_start_ = -1;
};

}  // namespace edgeserve::structured::detail
