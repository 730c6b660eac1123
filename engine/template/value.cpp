// Python semantics of Value: truthiness, equality, str()/repr(), and conversion from request JSON.
#include "engine/template/value.h"

#include "engine/template/py_format.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

Value Value::undefined(std::string message) {
  Value v;
  v.str_ = std::make_shared<const std::string>(std::move(message));
  return v;
}

const std::string& Value::empty_string() {
  static const std::string empty;
  return empty;
}

const std::string& Value::undefined_message() const {
  static const std::string generic = "value is undefined";
  return str_ ? *str_ : generic;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}

Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::List;
  v.list_ = std::make_shared<List>(std::move(items));
  return v;
}

Value Value::tuple(List items) {
  Value v = list(std::move(items));
  v.kind_ = Kind::Tuple;
  return v;
}

Value Value::iterator(List items) {
  Value v = list(std::move(items));
  v.kind_ = Kind::Iterator;
  return v;
}

Value Value::dict() {
  Value v;
  v.kind_ = Kind::Dict;
  v.dict_ = std::make_shared<Dict>();
  return v;
}

Value Value::new_namespace() {
  Value v = dict();
  v.kind_ = Kind::Namespace;
  return v;
}

Value Value::callable(std::shared_ptr<Callable> fn) {
  Value v;
  v.kind_ = Kind::Callable;
  v.fn_ = std::move(fn);
  return v;
}

const void* Value::identity() const {
  if (list_) return list_.get();
  if (dict_) return dict_.get();
  if (fn_) return fn_.get();
  return nullptr;
}

const Value* Dict::find(const Value& key) const {
  for (const auto& [k, v] : items)
    if (equals(k, key)) return &v;
  return nullptr;
}

Value* Dict::find(const Value& key) {
  for (auto& [k, v] : items)
    if (equals(k, key)) return &v;
  return nullptr;
}

void Dict::set(const Value& key, Value value) {
  if (Value* slot = find(key)) {
    *slot = std::move(value);
    return;
  }
  items.emplace_back(key, std::move(value));
}

void fail_undefined(const Value& v) { throw TemplateError(v.undefined_message()); }

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return false;
    case Value::Kind::Bool:
    case Value::Kind::Int: return v.as_int() != 0;
    case Value::Kind::Float: return v.as_double() != 0.0;
    case Value::Kind::String: return !v.as_string().empty();
    case Value::Kind::List:
    case Value::Kind::Tuple: return !v.items().empty();
    case Value::Kind::Dict: return !v.entries().items.empty();
    case Value::Kind::Namespace:
    case Value::Kind::Callable:
    case Value::Kind::Iterator: return true;
  }
  return false;
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String: return a.as_string() == b.as_string();
    case Value::Kind::List:
    case Value::Kind::Tuple: {
      const List& x = a.items();
      const List& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equals(x[i], y[i])) return false;
      return true;
    }
    case Value::Kind::Dict: {  // order-insensitive, like Python dict equality
      const Dict& x = a.entries();
      const Dict& y = b.entries();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.find(k);
        if (other == nullptr || !equals(v, *other)) return false;
      }
      return true;
    }
    default: return a.identity() == b.identity();
  }
}

namespace {

void append_repr(std::string& out, const Value& v, int depth);

void append_items(std::string& out, const List& items, int depth) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    append_repr(out, items[i], depth + 1);
  }
}

void append_repr(std::string& out, const Value& v, int depth) {
  if (depth > 64) {  // values can be self-referential through namespaces; Python prints "..."
    out += "...";
    return;
  }
  switch (v.kind()) {
    case Value::Kind::String: out += python_string_repr(v.as_string()); return;
    case Value::Kind::List:
      out += '[';
      append_items(out, v.items(), depth);
      out += ']';
      return;
    case Value::Kind::Tuple:
      out += '(';
      append_items(out, v.items(), depth);
      if (v.items().size() == 1) out += ',';
      out += ')';
      return;
    case Value::Kind::Dict:
    case Value::Kind::Namespace: {
      out += v.is_namespace() ? "<Namespace {" : "{";
      bool first = true;
      for (const auto& [k, item] : v.entries().items) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, k, depth + 1);
        out += ": ";
        append_repr(out, item, depth + 1);
      }
      out += v.is_namespace() ? "}>" : "}";
      return;
    }
    case Value::Kind::Undefined: out += "Undefined"; return;
    case Value::Kind::Iterator: out += "<generator object>"; return;
    default: out += to_str(v); return;
  }
}

}  // namespace

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "";
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return v.as_bool() ? "True" : "False";
    case Value::Kind::Int: return std::to_string(v.as_int());
    case Value::Kind::Float: return python_float_repr(v.as_double());
    case Value::Kind::String: return v.as_string();
    case Value::Kind::Callable: return "<function " + v.function().name + ">";
    default: {
      std::string out;
      append_repr(out, v, 0);
      return out;
    }
  }
}

std::string repr(const Value& v) {
  std::string out;
  append_repr(out, v, 0);
  return out;
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "Undefined";
    case Value::Kind::None: return "NoneType";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::String: return "str";
    case Value::Kind::List: return "list";
    case Value::Kind::Tuple: return "tuple";
    case Value::Kind::Dict: return "dict";
    case Value::Kind::Namespace: return "Namespace";
    case Value::Kind::Callable: return "function";
    case Value::Kind::Iterator: return "generator";
  }
  return "object";
}

std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  return type_name(v) + " object";
}

namespace {

// Request JSON can nest arbitrarily deep; recursion is bounded so a hostile request cannot overflow the stack.
constexpr int kMaxJsonDepth = 256;

Value from_json_at(const nlohmann::ordered_json& j, int depth) {
  using nlohmann::ordered_json;
  if (depth > kMaxJsonDepth) throw TemplateError("template input nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  switch (j.type()) {
    case ordered_json::value_t::null: return Value::none();
    case ordered_json::value_t::boolean: return Value(j.get<bool>());
    case ordered_json::value_t::number_integer: return Value(j.get<int64_t>());
    case ordered_json::value_t::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case ordered_json::value_t::number_float: return Value(j.get<double>());
    case ordered_json::value_t::string: return Value(j.get<std::string>());
    case ordered_json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json_at(e, depth + 1));
      return Value::list(std::move(items));
    }
    case ordered_json::value_t::object: {
      Value d = Value::dict();
      for (const auto& [k, e] : j.items()) d.entries().items.emplace_back(Value(k), from_json_at(e, depth + 1));
      return d;
    }
    default: return Value::none();  // binary / discarded never come from a parsed request
  }
}

}  // namespace

Value from_json(const nlohmann::ordered_json& j) { return from_json_at(j, 0); }

}  // namespace edgeserve::tmpl
