// Arithmetic and comparisons with Python's rules (bool is an int, / is true division, // and % floor).
#include "engine/template/operators.h"

#include <utility>

#include <cmath>

#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  throw TemplateError("unsupported operand type(s) for " + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

void check_overflow(bool overflow) {
  if (overflow) throw TemplateError("integer overflow (the template engine supports 64-bit integers)");
}

Value repeat(const Value& seq, int64_t times, Renderer& r) {
  const bool empty = seq.is_string() ? seq.as_string().empty() : seq.items().empty();
  if (times <= 0 || empty) return seq.is_string() ? Value(std::string()) : (seq.is_tuple() ? Value::tuple({}) : Value::list());
  if (seq.is_string()) {
    r.check_string_size(seq.as_string().size() * static_cast<size_t>(std::min<int64_t>(times, INT32_MAX)));
    r.charge_memory(seq.as_string().size() * static_cast<size_t>(times));
    std::string out;
    for (int64_t i = 0; i < times; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  r.check_collection_size(seq.items().size() * static_cast<size_t>(std::min<int64_t>(times, INT32_MAX)));
  r.charge_memory(seq.items().size() * static_cast<size_t>(times) * sizeof(Value));
  List out;
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), seq.items().begin(), seq.items().end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

double py_fmod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0.0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (!a.is_number() || !b.is_number()) unsupported(op, a, b);
  if (a.is_integral() && b.is_integral() && op != "/") {
    const int64_t x = a.as_int(), y = b.as_int();
    int64_t out = 0;
    if (op == "+") {
      check_overflow(__builtin_add_overflow(x, y, &out));
      return Value(out);
    }
    if (op == "-") {
      check_overflow(__builtin_sub_overflow(x, y, &out));
      return Value(out);
    }
    if (op == "*") {
      check_overflow(__builtin_mul_overflow(x, y, &out));
      return Value(out);
    }
    if (op == "//" || op == "%") {
      if (y == 0) throw TemplateError(op == "//" ? "integer division or modulo by zero" : "integer modulo by zero");
      check_overflow(x == INT64_MIN && y == -1);
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return Value(op == "//" ? q : m);
    }
    if (op == "**") {
      if (y < 0) {
        if (x == 0) throw TemplateError("0.0 cannot be raised to a negative power");
        return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
      }
      int64_t result = 1, base = x, e = y;
      while (e > 0) {
        if (e & 1) check_overflow(__builtin_mul_overflow(result, base, &result));
        e >>= 1;
        if (e > 0) check_overflow(__builtin_mul_overflow(base, base, &base));
      }
      return Value(result);
    }
  }
  const double x = a.as_double(), y = b.as_double();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "/") {
    if (y == 0.0) throw TemplateError("division by zero");
    return Value(x / y);
  }
  if (op == "//") {
    if (y == 0.0) throw TemplateError("float floor division by zero");
    return Value(std::floor(x / y));
  }
  if (op == "%") {
    if (y == 0.0) throw TemplateError("float modulo");
    return Value(py_fmod(x, y));
  }
  if (op == "**") {
    if (x == 0.0 && y < 0) throw TemplateError("0.0 cannot be raised to a negative power");
    return Value(std::pow(x, y));
  }
  unsupported(op, a, b);
}

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b, Renderer& r) {
  if (op == "~") {
    std::string s = to_str(a);
    s += to_str(b);
    r.check_string_size(s.size());
    r.charge_memory(s.size());
    return Value(std::move(s));
  }
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (op == "+") {
    if (a.is_string()) {
      if (!b.is_string()) throw TemplateError("can only concatenate str (not \"" + type_name(b) + "\") to str");
      r.check_string_size(a.as_string().size() + b.as_string().size());
      r.charge_memory(a.as_string().size() + b.as_string().size());
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_sequence_like()) {
      if (b.kind() != a.kind())
        throw TemplateError("can only concatenate " + type_name(a) + " (not \"" + type_name(b) + "\") to " + type_name(a));
      r.check_collection_size(a.items().size() + b.items().size());
      r.charge_memory((a.items().size() + b.items().size()) * sizeof(Value));
      List out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.is_sequence_like()) && b.is_integral()) return repeat(a, b.as_int(), r);
    if (a.is_integral() && (b.is_string() || b.is_sequence_like())) return repeat(b, a.as_int(), r);
    if (a.is_string() || a.is_sequence_like() || b.is_string() || b.is_sequence_like()) {
      const Value& other = (a.is_string() || a.is_sequence_like()) ? b : a;
      throw TemplateError("can't multiply sequence by non-int of type '" + type_name(other) + "'");
    }
  }
  if (op == "%" && a.is_string()) throw TemplateError("printf-style string formatting (str % args) is not supported");
  return arithmetic(op, a, b);
}

Value unary_op(const std::string& op, const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) throw TemplateError("bad operand type for unary " + op + ": '" + type_name(v) + "'");
  if (op == "+") return v.is_float() ? v : Value(v.as_int());
  if (v.is_float()) return Value(-v.as_double());
  check_overflow(v.as_int() == INT64_MIN);
  return Value(-v.as_int());
}

namespace {

// Three-way order for <, <=, >, >=; throws Python's TypeError for unordered types.
int order(const std::string& op, const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
    const double x = a.as_double(), y = b.as_double();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) return a.as_string().compare(b.as_string()) < 0 ? -1 : (a.as_string() == b.as_string() ? 0 : 1);
  if (a.is_sequence_like() && a.kind() == b.kind()) {
    const List& x = a.items();
    const List& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equals(x[i], y[i])) continue;
      return order(op, x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  throw TemplateError("'" + op + "' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

}  // namespace

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::String:
      if (!item.is_string())
        throw TemplateError("'in <string>' requires string as left operand, not " + type_name(item));
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
    case Value::Kind::Tuple:
      for (const Value& v : container.items())
        if (equals(v, item)) return true;
      return false;
    case Value::Kind::Dict: return container.entries().find(item) != nullptr;
    case Value::Kind::Undefined: return false;  // jinja2's Undefined iterates as empty
    case Value::Kind::Iterator:
      for (const Value& v : std::exchange(container.items(), {}))  // consumed, as Python's `in` does
        if (equals(v, item)) return true;
      return false;
    default: throw TemplateError("argument of type '" + type_name(container) + "' is not iterable");
  }
}

bool compare_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return equals(a, b);
  if (op == "!=") return !equals(a, b);
  if (op == "in") return contains(b, a);
  if (op == "notin") return !contains(b, a);
  const int c = order(op, a, b);
  if (op == "<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  return c >= 0;
}

}  // namespace edgeserve::tmpl
