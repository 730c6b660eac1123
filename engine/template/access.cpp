// Attribute / item / slice access (see access.h).
#include "engine/template/access.h"

#include "engine/template/methods.h"
#include "engine/template/py_text.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

namespace {

// Messages are built by appending: GCC 12 warns falsely (-Wrestrict, PR105329) on "lit" + std::string.
Value missing_attribute(const Value& obj, const std::string& name) {
  std::string message = "'";
  message += object_type_repr(obj);
  message += "' has no attribute '";
  message += name;
  message += "'";
  return Value::undefined(std::move(message));
}

Value missing_element(const Value& obj, const Value& key) {
  return Value::undefined(object_type_repr(obj) + " has no element " + repr(key));
}

std::optional<Value> lookup_item(const Value& obj, const Value& key) {
  if (obj.is_dict() || obj.is_namespace()) {
    if (const Value* v = obj.entries().find(key)) return *v;
    return std::nullopt;
  }
  if (!key.is_integral()) return std::nullopt;
  int64_t i = key.as_int();
  if (obj.is_sequence_like()) {
    const auto n = static_cast<int64_t>(obj.items().size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return std::nullopt;
    return obj.items()[static_cast<size_t>(i)];
  }
  if (obj.is_string()) {
    const auto offsets = code_point_offsets(obj.as_string());
    const auto n = static_cast<int64_t>(offsets.size()) - 1;
    if (i < 0) i += n;
    if (i < 0 || i >= n) return std::nullopt;
    const auto idx = static_cast<size_t>(i);
    return Value(obj.as_string().substr(offsets[idx], offsets[idx + 1] - offsets[idx]));
  }
  return std::nullopt;
}

}  // namespace

Value get_attribute(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (std::optional<Value> method = bound_method(obj, name)) return *method;
  if (obj.is_dict() || obj.is_namespace()) {
    if (const Value* v = obj.entries().find(Value(name))) return *v;
  }
  return missing_attribute(obj, name);
}

Value get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (std::optional<Value> v = lookup_item(obj, key)) return *v;
  if (key.is_string()) {
    if (std::optional<Value> method = bound_method(obj, key.as_string())) return *method;
    return missing_attribute(obj, key.as_string());
  }
  return missing_element(obj, key);
}

namespace {

// CPython's PySlice_AdjustIndices.
void adjust(int64_t length, std::optional<int64_t> start_in, std::optional<int64_t> stop_in, int64_t step,
            int64_t& start, int64_t& stop) {
  if (step > 0) {
    start = start_in.value_or(0);
    stop = stop_in.value_or(length);
    if (start < 0) start = std::max<int64_t>(start + length, 0);
    if (start > length) start = length;
    if (stop < 0) stop = std::max<int64_t>(stop + length, 0);
    if (stop > length) stop = length;
  } else {
    start = start_in.value_or(length - 1);
    stop = stop_in.value_or(-1 - length);  // sentinel meaning "before the first element"
    if (start < 0) start = std::max<int64_t>(start + length, -1);
    if (start >= length) start = length - 1;
    if (stop_in) {
      if (stop < 0) stop = std::max<int64_t>(stop + length, -1);
      if (stop >= length) stop = length - 1;
    } else {
      stop = -1;
    }
  }
}

std::vector<int64_t> slice_indices(int64_t length, const std::optional<int64_t>& start_in,
                                   const std::optional<int64_t>& stop_in, int64_t step) {
  int64_t start, stop;
  adjust(length, start_in, stop_in, step, start, stop);
  std::vector<int64_t> out;
  if (step > 0)
    for (int64_t i = start; i < stop; i += step) out.push_back(i);
  else
    for (int64_t i = start; i > stop; i += step) out.push_back(i);
  return out;
}

}  // namespace

Value get_slice(const Value& obj, const std::optional<int64_t>& start, const std::optional<int64_t>& stop,
                const std::optional<int64_t>& step) {
  if (obj.is_undefined()) fail_undefined(obj);
  const int64_t s = step.value_or(1);
  if (s == 0) throw TemplateError("slice step cannot be zero");
  if (obj.is_string()) {
    const std::string& str = obj.as_string();
    const auto offsets = code_point_offsets(str);
    const auto n = static_cast<int64_t>(offsets.size()) - 1;
    if (s == 1) {  // contiguous: one substring
      int64_t a, b;
      adjust(n, start, stop, 1, a, b);
      if (a >= b) return Value(std::string());
      return Value(str.substr(offsets[static_cast<size_t>(a)], offsets[static_cast<size_t>(b)] - offsets[static_cast<size_t>(a)]));
    }
    std::string out;
    for (const int64_t i : slice_indices(n, start, stop, s)) {
      const auto idx = static_cast<size_t>(i);
      out.append(str, offsets[idx], offsets[idx + 1] - offsets[idx]);
    }
    return Value(std::move(out));
  }
  if (obj.is_sequence_like()) {
    const List& items = obj.items();
    List out;
    for (const int64_t i : slice_indices(static_cast<int64_t>(items.size()), start, stop, s))
      out.push_back(items[static_cast<size_t>(i)]);
    return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  // jinja2 raises for generators and returns an Undefined for other unsliceable objects (measured).
  if (obj.is_iterator()) throw TemplateError("'generator' object is not subscriptable");
  return Value::undefined(object_type_repr(obj) + " has no element slice");
}

}  // namespace edgeserve::tmpl
