#pragma once
// Python's text forms that chat templates expose byte for byte: float repr, str repr (quote choice and
// escapes), and json.dumps as transformers' tojson filter calls it (ensure_ascii=False, key order kept).
// Pure functions; must not depend on the evaluator.
#include <optional>
#include <string>
#include <string_view>

namespace edgeserve::tmpl {

class Value;

std::string python_float_repr(double d);
std::string python_string_repr(std::string_view s);

struct JsonDumpOptions {
  std::optional<std::string> indent;  // None: one line; else the per-level indent string
  std::optional<std::string> item_separator;  // defaults: ", " (no indent) or "," (indent)
  std::optional<std::string> key_separator;   // default ": "
  bool sort_keys = false;
};

// json.dumps(value, ensure_ascii=False, ...). Throws TemplateError with Python's TypeError message for
// values JSON cannot hold (Undefined, namespaces, functions).
std::string json_dumps(const Value& v, const JsonDumpOptions& options);

}  // namespace edgeserve::tmpl
