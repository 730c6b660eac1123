// str / dict / list methods (see methods.h). Each follows the CPython method of the same name.
#include "engine/template/methods.h"

#include <algorithm>
#include <array>

#include "engine/template/call_args.h"
#include "engine/template/operators.h"
#include "engine/template/py_text.h"
#include "engine/template/renderer.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

namespace {

std::optional<std::string> optional_chars(ArgReader& a, size_t index, std::string_view name) {
  const Value* v = a.get(index, name);
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) throw TemplateError(std::string(name) + " arg must be None or str");
  return v->as_string();
}

Value string_list(std::vector<std::string> parts) {
  List out;
  out.reserve(parts.size());
  for (auto& p : parts) out.emplace_back(std::move(p));
  return Value::list(std::move(out));
}

bool affix_match(const std::string& s, const Value& affix, bool prefix, const std::string& method) {
  auto one = [&](const Value& a) {
    if (!a.is_string())
      throw TemplateError(method + " first arg must be str or a tuple of str, not " + type_name(a));
    return prefix ? s.starts_with(a.as_string()) : s.ends_with(a.as_string());
  };
  if (affix.is_tuple()) return std::any_of(affix.items().begin(), affix.items().end(), one);
  return one(affix);
}

Value call_string_method(Renderer& r, const std::string& s, const std::string& name, CallArgs& args) {
  if (name == "startswith" || name == "endswith") {
    ArgReader a(name, args, 1);
    const bool hit = affix_match(s, a.require(0, "prefix"), name == "startswith", name);
    a.finish();
    return Value(hit);
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    ArgReader a(name, args, 1);
    auto chars = optional_chars(a, 0, "chars");
    a.finish();
    return Value(python_strip(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    ArgReader a(name, args, 2);
    auto sep = optional_chars(a, 0, "sep");
    const int64_t maxsplit = a.get_int(1, "maxsplit", -1);
    a.finish();
    if (sep && sep->empty()) throw TemplateError("empty separator");
    auto parts = name == "split" ? python_split(s, sep, maxsplit) : python_rsplit(s, sep, maxsplit);
    r.check_collection_size(parts.size());
    return string_list(std::move(parts));
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
    ArgReader a(name, args, 0);
    a.finish();
    if (name == "upper") return Value(python_upper(s));
    if (name == "lower") return Value(python_lower(s));
    if (name == "title") return Value(python_title(s));
    return Value(python_capitalize(s));
  }
  if (name == "replace") {
    ArgReader a(name, args, 3);
    const std::string from = a.get_string(0, "old", "");
    const std::string to = a.get_string(1, "new", "");
    const int64_t count = a.get_int(2, "count", -1);
    a.finish();
    std::string out = python_replace(s, from, to, count);
    r.check_string_size(out.size());
    r.charge_memory(out.size());
    return Value(std::move(out));
  }
  if (name == "find" || name == "rfind" || name == "count" || name == "index") {
    ArgReader a(name, args, 1);
    const std::string sub = a.get_string(0, "sub", "");
    a.finish();
    if (name == "count") return Value(python_count(s, sub));
    const int64_t at = python_find(s, sub, name == "rfind");
    if (name == "index" && at < 0) throw TemplateError("substring not found");
    return Value(at);
  }
  if (name == "join") {
    ArgReader a(name, args, 1);
    const Value& items = a.require(0, "iterable");
    a.finish();
    std::string out;
    bool first = true;
    for (const Value& item : r.iterate(items)) {
      if (!item.is_string()) throw TemplateError("sequence item: expected str instance, " + type_name(item) + " found");
      if (!first) out += s;
      first = false;
      out += item.as_string();
      r.check_string_size(out.size());
    }
    r.charge_memory(out.size());
    return Value(std::move(out));
  }
  if (name == "isdigit" || name == "isspace" || name == "isalpha" || name == "isalnum") {
    ArgReader a(name, args, 0);
    a.finish();
    if (s.empty()) return Value(false);
    for (const unsigned char c : s) {
      const bool ok = name == "isdigit" ? (c >= '0' && c <= '9')
                      : name == "isspace" ? (c == ' ' || (c >= 9 && c <= 13))
                      : name == "isalpha" ? std::isalpha(c) != 0
                                          : std::isalnum(c) != 0;
      if (!ok) return Value(false);
    }
    return Value(true);
  }
  throw TemplateError("'str' object has no attribute '" + name + "'");
}

Value call_dict_method(Renderer& r, const Value& d, const std::string& name, CallArgs& args) {
  ArgReader a(name, args, name == "get" ? 2 : 0);
  if (name == "get") {
    const Value& key = a.require(0, "key");
    Value fallback = a.get_or(1, "default", Value::none());
    a.finish();
    const Value* v = d.entries().find(key);
    return v ? *v : fallback;
  }
  a.finish();
  List out;
  for (const auto& [k, v] : d.entries().items) {
    if (name == "keys") out.push_back(k);
    else if (name == "values") out.push_back(v);
    else out.push_back(Value::tuple({k, v}));
  }
  return Value::list(std::move(out));
}

Value call_list_method(const Value& l, const std::string& name, CallArgs& args) {
  ArgReader a(name, args, 1);
  const Value& x = a.require(0, "value");
  a.finish();
  const List& items = l.items();
  if (name == "count") return Value(static_cast<int64_t>(std::count_if(items.begin(), items.end(), [&](const Value& v) { return equals(v, x); })));
  for (size_t i = 0; i < items.size(); ++i)
    if (equals(items[i], x)) return Value(static_cast<int64_t>(i));
  throw TemplateError(repr(x) + " is not in list");
}

constexpr std::array<std::string_view, 14> kStringMethods = {
    "startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit", "upper", "lower", "title",
    "capitalize", "replace", "find", "rfind"};
constexpr std::array<std::string_view, 7> kMoreStringMethods = {"count", "index", "join", "isdigit", "isspace", "isalpha", "isalnum"};
constexpr std::array<std::string_view, 8> kUnsafeListMethods = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};
constexpr std::array<std::string_view, 5> kUnsafeDictMethods = {"clear", "pop", "popitem", "setdefault", "update"};

template <size_t N>
bool listed(const std::array<std::string_view, N>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

Value bind(const Value& obj, const std::string& name) {
  auto fn = std::make_shared<Callable>();
  fn->name = name;
  fn->call = [obj, name](Renderer& r, CallArgs& args) -> Value {
    if (obj.is_string()) return call_string_method(r, obj.as_string(), name, args);
    if (obj.is_dict()) return call_dict_method(r, obj, name, args);
    return call_list_method(obj, name, args);
  };
  return Value::callable(std::move(fn));
}

}  // namespace

std::optional<Value> bound_method(const Value& obj, const std::string& name) {
  if (obj.is_string() && (listed(kStringMethods, name) || listed(kMoreStringMethods, name))) return bind(obj, name);
  if (obj.is_dict()) {
    if (name == "items" || name == "keys" || name == "values" || name == "get") return bind(obj, name);
    if (listed(kUnsafeDictMethods, name))
      return Value::undefined("access to attribute '" + name + "' of 'dict' object is unsafe.");
  }
  if (obj.is_sequence_like()) {
    if (name == "index" || name == "count") return bind(obj, name);
    if (obj.is_list() && listed(kUnsafeListMethods, name))
      return Value::undefined("access to attribute '" + name + "' of 'list' object is unsafe.");
  }
  return std::nullopt;
}

}  // namespace edgeserve::tmpl
