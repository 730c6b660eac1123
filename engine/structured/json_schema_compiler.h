#pragma once
// JSON Schema -> CompiledGrammar for structured output (response_format json_schema / json_object, tool-call
// arguments). Owns the translation and its limits only; matching is GrammarMatcher's job.
//
// Supported: type (object, array, string, number, integer, boolean, null, or a list of them), properties,
// required, additionalProperties, enum, const, items, prefixItems, minItems, maxItems, anyOf, oneOf (treated as
// anyOf: the alternatives are not checked for exclusivity), allOf with exactly one member, $ref to "#", "#/$defs/..",
// "#/definitions/.." or any other local JSON pointer (recursive refs included), minLength, maxLength, and the
// boolean schemas true (any value).
// Decisions, as vLLM/xgrammar's strict mode:
//   - object with properties: only the listed properties, in the schema's order; required ones always present,
//     optional ones may be left out. additionalProperties (absent, true, false or a schema) adds nothing then.
//     A required name missing from properties is added with the additionalProperties schema (an error when that
//     is false).
//   - object without properties: any keys, each value matching additionalProperties (absent/true: any JSON).
//   - no "type": inferred from the keywords present (properties/required/additionalProperties -> object,
//     items/prefixItems/minItems/maxItems -> array, minLength/maxLength -> string), else any JSON value.
//   - whitespace and number digit bounds: see json_fragments.h.
// Rejected with a SchemaError naming the keyword: pattern, format, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, multipleOf, uniqueItems, contains, patternProperties, propertyNames, min/maxProperties,
// dependencies, not, if/then/else, allOf with several members, unevaluated*, additionalItems, items as an array,
// remote $ref, the schema false, and anyOf/oneOf/$ref mixed with other constraint keywords.
// Other keywords (title, description, default, examples, ...) are annotations and ignored.
// Limits: schema nesting depth 64, lengths and item counts up to 4096, 250,000 grammar states, $ref cycles
// that recurse without consuming input are errors: compile time and memory are bounded on every input.
// At run time (stack_walker.h, grammar_matcher.h) output nesting stops at 256 grammar frames and at most 256
// ambiguous parses are tracked at once; both only narrow what can be generated, never admit invalid output.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/structured/grammar.h"

namespace edgeserve::structured {

// An unsupported or malformed schema. `path` is a JSON pointer into the schema ("/properties/age/minimum");
// the server turns it into a 400 naming both.
struct SchemaError : std::exception {
  SchemaError(std::string path_, std::string message_);
  const char* what() const noexcept override { return what_.c_str(); }

  std::string path;
  std::string message;

 private:
  std::string what_;  // "<path>: <message>"
};

inline constexpr int kMaxSchemaDepth = 64;
inline constexpr int64_t kMaxLengthBound = 4096;  // minLength/maxLength/minItems/maxItems
inline constexpr int32_t kMaxGrammarStates = 250'000;

// Throws SchemaError. Property order is the order in the schema object: parse the request with
// nlohmann::ordered_json (or pass the schema's text). The nlohmann::json overload sees keys sorted by name, so
// properties are then generated in alphabetical order.
std::shared_ptr<const CompiledGrammar> compile_json_schema(const nlohmann::ordered_json& schema);
std::shared_ptr<const CompiledGrammar> compile_json_schema(const nlohmann::json& schema);
std::shared_ptr<const CompiledGrammar> compile_json_schema_text(std::string_view schema_text);

// response_format {"type": "json_object"}: any JSON object.
std::shared_ptr<const CompiledGrammar> compile_json_object_grammar();

}  // namespace edgeserve::structured
