// jinja2's builtin tests (jinja2/tests.py), with its operator aliases (==, eq, equalto, ...).
#include "engine/template/jinja_tests.h"

#include <algorithm>
#include <unordered_map>

#include "engine/template/call_args.h"
#include "engine/template/operators.h"
#include "engine/template/py_text.h"
#include "engine/template/renderer.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

namespace {

using TestFn = bool (*)(const Value& v, ArgReader& a);

const Value& other(ArgReader& a) { return a.require(0, "other"); }

int64_t int_of(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_integral()) throw TemplateError("not all arguments converted during string formatting");
  return v.as_int();
}

bool is_sameas(const Value& v, ArgReader& a) {
  const Value& o = other(a);
  if (v.kind() != o.kind()) return false;
  if (v.is_none() || v.is_undefined()) return true;
  if (v.is_bool()) return v.as_bool() == o.as_bool();
  if (v.identity() != nullptr) return v.identity() == o.identity();
  return equals(v, o);  // small ints and interned strings compare equal in CPython too
}

const std::unordered_map<std::string_view, TestFn>& table() {
  static const std::unordered_map<std::string_view, TestFn> t = {
      {"defined", [](const Value& v, ArgReader&) { return !v.is_undefined(); }},
      {"undefined", [](const Value& v, ArgReader&) { return v.is_undefined(); }},
      {"none", [](const Value& v, ArgReader&) { return v.is_none(); }},
      {"string", [](const Value& v, ArgReader&) { return v.is_string(); }},
      {"number", [](const Value& v, ArgReader&) { return v.is_number(); }},
      {"integer", [](const Value& v, ArgReader&) { return v.is_int(); }},
      {"float", [](const Value& v, ArgReader&) { return v.is_float(); }},
      {"boolean", [](const Value& v, ArgReader&) { return v.is_bool(); }},
      {"true", [](const Value& v, ArgReader&) { return v.is_bool() && v.as_bool(); }},
      {"false", [](const Value& v, ArgReader&) { return v.is_bool() && !v.as_bool(); }},
      {"mapping", [](const Value& v, ArgReader&) { return v.is_dict(); }},
      {"iterable", [](const Value& v, ArgReader&) {
         return v.is_undefined() || v.is_string() || v.is_sequence_like() || v.is_dict() || v.is_iterator();
       }},
      {"sequence", [](const Value& v, ArgReader&) {
         return v.is_undefined() || v.is_string() || v.is_sequence_like() || v.is_dict();
       }},
      {"callable", [](const Value& v, ArgReader&) { return v.is_callable(); }},
      {"escaped", [](const Value&, ArgReader&) { return false; }},
      {"odd", [](const Value& v, ArgReader&) { return int_of(v) % 2 != 0; }},
      {"even", [](const Value& v, ArgReader&) { return int_of(v) % 2 == 0; }},
      {"divisibleby", [](const Value& v, ArgReader& a) {
         const int64_t n = int_of(a.require(0, "num"));
         if (n == 0) throw TemplateError("integer modulo by zero");
         return int_of(v) % n == 0;
       }},
      {"lower", [](const Value& v, ArgReader&) {
         const std::string s = to_str(v);
         return python_lower(s) == s && python_upper(s) != s;
       }},
      {"upper", [](const Value& v, ArgReader&) {
         const std::string s = to_str(v);
         return python_upper(s) == s && python_lower(s) != s;
       }},
      {"sameas", is_sameas},
      {"in", [](const Value& v, ArgReader& a) { return contains(a.require(0, "seq"), v); }},
      {"==", [](const Value& v, ArgReader& a) { return compare_op("==", v, other(a)); }},
      {"eq", [](const Value& v, ArgReader& a) { return compare_op("==", v, other(a)); }},
      {"equalto", [](const Value& v, ArgReader& a) { return compare_op("==", v, other(a)); }},
      {"!=", [](const Value& v, ArgReader& a) { return compare_op("!=", v, other(a)); }},
      {"ne", [](const Value& v, ArgReader& a) { return compare_op("!=", v, other(a)); }},
      {"<", [](const Value& v, ArgReader& a) { return compare_op("<", v, other(a)); }},
      {"lt", [](const Value& v, ArgReader& a) { return compare_op("<", v, other(a)); }},
      {"lessthan", [](const Value& v, ArgReader& a) { return compare_op("<", v, other(a)); }},
      {"<=", [](const Value& v, ArgReader& a) { return compare_op("<=", v, other(a)); }},
      {"le", [](const Value& v, ArgReader& a) { return compare_op("<=", v, other(a)); }},
      {">", [](const Value& v, ArgReader& a) { return compare_op(">", v, other(a)); }},
      {"gt", [](const Value& v, ArgReader& a) { return compare_op(">", v, other(a)); }},
      {"greaterthan", [](const Value& v, ArgReader& a) { return compare_op(">", v, other(a)); }},
      {">=", [](const Value& v, ArgReader& a) { return compare_op(">=", v, other(a)); }},
      {"ge", [](const Value& v, ArgReader& a) { return compare_op(">=", v, other(a)); }},
  };
  return t;
}

}  // namespace

bool has_test(std::string_view name) { return table().count(name) != 0; }

// Tests that take no argument besides the value; jinja2 calls them as Python functions, so an extra
// argument is a TypeError naming the function.
bool takes_no_argument(std::string_view name) {
  static const std::string_view kUnary[] = {"defined", "undefined", "none", "string", "number", "integer", "float",
                                            "boolean", "true", "false", "mapping", "iterable", "sequence",
                                            "escaped", "odd", "even", "lower", "upper", "callable"};
  for (const auto n : kUnary)
    if (n == name) return true;
  return false;
}

bool apply_test(Renderer& r, const std::string& name, const Value& input, CallArgs& args) {
  r.charge_step();
  const auto it = table().find(name);
  if (it == table().end()) throw TemplateError("No test named '" + name + "'.");
  if (takes_no_argument(name) && (!args.positional.empty() || !args.named.empty())) {
    if (name == "callable")
      throw TemplateError("callable() takes exactly one argument (" + std::to_string(1 + args.positional.size()) + " given)");
    throw TemplateError("test_" + name + "() takes 1 positional argument but " +
                        std::to_string(1 + args.positional.size()) + " were given");
  }
  ArgReader a(name, args, 1);
  const bool result = it->second(input, a);
  a.finish();
  return result;
}

}  // namespace edgeserve::tmpl
