#pragma once
// Value: the dynamic value of the Jinja interpreter, modelled on the Python objects jinja2 works with
// (Undefined, None, bool, int, float, str, list, tuple, dict, Namespace, callables). Lists, dicts and
// namespaces are shared by reference like Python objects; dicts keep insertion order. This file owns the
// Python semantics of truthiness, equality and str()/repr(); it must not know about templates or rendering.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgeserve::tmpl {

class Value;
struct Dict;
struct Callable;
using List = std::vector<Value>;

class Value {
 public:
  // Bool is an int subtype in Python; arithmetic and comparisons treat it so.
  // Iterator: the single-pass generator that jinja2's select/map/items/unique/reverse filters return;
  // always truthy, no len(), not subscriptable, empty once iterated.
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Tuple, Dict, Namespace, Callable, Iterator };

  Value() = default;  // Undefined with the generic message
  Value(bool b) : kind_(Kind::Bool), int_(b ? 1 : 0) {}
  Value(int64_t i) : kind_(Kind::Int), int_(i) {}
  Value(int i) : kind_(Kind::Int), int_(i) {}
  Value(double f) : kind_(Kind::Float), float_(f) {}
  Value(std::string s) : kind_(Kind::String), str_(std::make_shared<const std::string>(std::move(s))) {}
  Value(const char* s) : Value(std::string(s)) {}

  // An undefined value remembering why it is undefined (jinja2's Undefined hint), e.g. "'x' is undefined".
  static Value undefined(std::string message);
  static Value none();
  static Value list(List items = {});
  static Value tuple(List items);
  static Value iterator(List items);
  static Value dict();
  static Value new_namespace();
  static Value callable(std::shared_ptr<Callable> fn);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Bool || kind_ == Kind::Int || kind_ == Kind::Float; }
  bool is_integral() const { return kind_ == Kind::Bool || kind_ == Kind::Int; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const { return kind_ == Kind::Tuple; }
  bool is_sequence_like() const { return kind_ == Kind::List || kind_ == Kind::Tuple; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_namespace() const { return kind_ == Kind::Namespace; }
  bool is_callable() const { return kind_ == Kind::Callable; }
  bool is_iterator() const { return kind_ == Kind::Iterator; }

  bool as_bool() const { return int_ != 0; }
  int64_t as_int() const { return int_; }  // Bool and Int
  double as_double() const { return kind_ == Kind::Float ? float_ : static_cast<double>(int_); }
  const std::string& as_string() const { return str_ ? *str_ : empty_string(); }
  const std::string& undefined_message() const;
  List& items() const { return *list_; }        // List, Tuple and Iterator (its remaining items)
  Dict& entries() const { return *dict_; }      // Dict and Namespace
  Callable& function() const { return *fn_; }
  const void* identity() const;                 // for `is sameas` and namespace equality

 private:
  Kind kind_ = Kind::Undefined;
  int64_t int_ = 0;
  double float_ = 0.0;
  static const std::string& empty_string();
  // String payload, or the Undefined message; shared so copies of values never copy text (memory
  // is charged once, when a string is made).
  std::shared_ptr<const std::string> str_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<Callable> fn_;
};

// Insertion-ordered mapping with Python equality on keys (1 == 1.0 == True); linear lookup because
// template dicts are small and iteration order matters more than lookup speed.
struct Dict {
  std::vector<std::pair<Value, Value>> items;
  const Value* find(const Value& key) const;
  Value* find(const Value& key);
  void set(const Value& key, Value value);  // replaces in place (keeps position) or appends
};

// Positional and keyword arguments of a call, filter or test.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;
};

class Renderer;
struct Callable {
  std::string name;
  std::function<Value(Renderer&, CallArgs&)> call;
};

bool truthy(const Value& v);
bool equals(const Value& a, const Value& b);
std::string to_str(const Value& v);   // Python str(): strings verbatim, undefined ""
std::string repr(const Value& v);     // Python repr()
std::string type_name(const Value& v);         // Python type name: 'str', 'int', 'NoneType', ...
std::string object_type_repr(const Value& v);  // jinja2's object_type_repr: "dict object", "None"
Value from_json(const nlohmann::ordered_json& j);
// Throws the UndefinedError jinja2 raises when an undefined value is used for more than printing/testing.
[[noreturn]] void fail_undefined(const Value& v);

}  // namespace edgeserve::tmpl
