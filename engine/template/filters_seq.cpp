// jinja2's sequence filters (length, first, last, list, join, items, select/reject(+attr), map, unique,
// reverse, sort, dictsort, sum, min, max).
#include <algorithm>

#include "engine/template/access.h"
#include "engine/template/call_args.h"
#include "engine/template/filters.h"
#include "engine/template/jinja_tests.h"
#include "engine/template/operators.h"
#include "engine/template/py_text.h"
#include "engine/template/renderer.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

namespace {

// jinja2's make_attrgetter: "a.b.0" walks items/attributes; a missing part yields `fallback` if given.
Value get_path(const Value& item, const Value& attribute, const Value* fallback) {
  Value current = item;
  if (attribute.is_integral()) {
    current = get_item(current, attribute);
  } else {
    const std::string path = to_str(attribute);
    for (const auto& part : python_split(path, std::string("."), -1)) {
      const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
      current = get_item(current, numeric && part.size() < 18 ? Value(static_cast<int64_t>(std::stoll(part))) : Value(part));
      if (current.is_undefined() && fallback) return *fallback;
    }
  }
  if (current.is_undefined() && fallback) return *fallback;
  return current;
}

Value f_length(Renderer&, const Value& v, CallArgs& args) {
  ArgReader("length", args, 0).finish();
  switch (v.kind()) {
    case Value::Kind::Undefined: return Value(int64_t{0});
    case Value::Kind::String: return Value(static_cast<int64_t>(code_point_count(v.as_string())));
    case Value::Kind::List:
    case Value::Kind::Tuple: return Value(static_cast<int64_t>(v.items().size()));
    case Value::Kind::Dict: return Value(static_cast<int64_t>(v.entries().items.size()));
    default: throw TemplateError("object of type '" + type_name(v) + "' has no len()");  // generators too
  }
}

Value f_first(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader("first", args, 0).finish();
  if (v.is_iterator()) {  // next(): takes one item, the rest stays for later iteration
    List& rest = v.items();
    if (rest.empty()) return Value::undefined("No first item, sequence was empty.");
    Value front = rest.front();
    rest.erase(rest.begin());
    return front;
  }
  const List items = r.iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader("last", args, 0).finish();
  if (v.is_dict() || v.is_iterator()) throw TemplateError("'" + type_name(v) + "' object is not reversible");
  const List items = r.iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_list(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader("list", args, 0).finish();
  return Value::list(r.iterate(v));
}

Value f_reverse(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader("reverse", args, 0).finish();
  if (v.is_string()) return get_slice(v, std::nullopt, std::nullopt, -1);
  const bool reversible = v.is_sequence_like();  // reversed(seq) is an iterator; other input becomes a list
  List items = r.iterate(v);
  std::reverse(items.begin(), items.end());
  return reversible ? Value::iterator(std::move(items)) : Value::list(std::move(items));
}

Value f_join(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader a("join", args, 2);
  const std::string sep = to_str(a.get_or(0, "d", Value(std::string())));
  const Value* attribute = a.get(1, "attribute");
  a.finish();
  std::string out;
  bool first = true;
  for (const Value& item : r.iterate(v)) {
    if (!first) out += sep;
    first = false;
    out += to_str(attribute ? get_path(item, *attribute, nullptr) : item);
    r.check_string_size(out.size());
  }
  r.charge_memory(out.size());
  return Value(std::move(out));
}

Value f_items(Renderer&, const Value& v, CallArgs& args) {
  ArgReader("items", args, 0).finish();
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) throw TemplateError("Can only get item pairs from a mapping.");
  List out;
  for (const auto& [k, item] : v.entries().items) out.push_back(Value::tuple({k, item}));
  return Value::iterator(std::move(out));
}

// select / reject / selectattr / rejectattr share jinja2's prepare_select_or_reject.
Value select_common(Renderer& r, const Value& v, CallArgs& args, bool lookup_attr, bool keep_when) {
  if (!truthy(v)) return Value::iterator({});  // jinja2 reads the arguments only for a truthy input
  const List items = r.iterate(v);
  size_t off = 0;
  Value attribute;
  if (lookup_attr) {
    if (args.positional.empty()) throw TemplateError("Missing parameter for attribute name");
    attribute = args.positional[0];
    off = 1;
  }
  std::optional<std::string> test;
  CallArgs test_args;
  if (args.positional.size() > off) {
    test = to_str(args.positional[off]);
    test_args.positional.assign(args.positional.begin() + static_cast<long>(off) + 1, args.positional.end());
    test_args.named = args.named;
  }
  List out;
  for (const Value& item : items) {
    r.charge_step();
    const Value subject = lookup_attr ? get_path(item, attribute, nullptr) : item;
    CallArgs call_args = test_args;
    const bool passed = test ? apply_test(r, *test, subject, call_args) : truthy(subject);
    if (passed == keep_when) out.push_back(item);
  }
  return Value::iterator(std::move(out));
}
Value f_select(Renderer& r, const Value& v, CallArgs& a) { return select_common(r, v, a, false, true); }
Value f_reject(Renderer& r, const Value& v, CallArgs& a) { return select_common(r, v, a, false, false); }
Value f_selectattr(Renderer& r, const Value& v, CallArgs& a) { return select_common(r, v, a, true, true); }
Value f_rejectattr(Renderer& r, const Value& v, CallArgs& a) { return select_common(r, v, a, true, false); }

Value f_map(Renderer& r, const Value& v, CallArgs& args) {
  List out;
  if (!truthy(v)) return Value::iterator({});  // jinja2 reads the arguments only for a truthy input
  if (args.positional.empty()) {
    ArgReader a("map", args, 0);
    const Value* attribute = a.get(0, "attribute");
    const Value* fallback = a.get(1, "default");
    a.finish();
    if (!attribute) throw TemplateError("map requires a filter argument");
    const Value none = Value::none();
    for (const Value& item : r.iterate(v)) out.push_back(get_path(item, *attribute, fallback ? fallback : &none));
    return Value::iterator(std::move(out));
  }
  const std::string filter = to_str(args.positional[0]);
  CallArgs filter_args;
  filter_args.positional.assign(args.positional.begin() + 1, args.positional.end());
  filter_args.named = args.named;
  for (const Value& item : r.iterate(v)) {
    CallArgs call_args = filter_args;
    out.push_back(apply_filter(r, filter, item, call_args));
  }
  return Value::iterator(std::move(out));
}

// The comparison key of sort/unique/min/max: the attribute, lower-cased unless case_sensitive.
Value sort_key(const Value& item, const Value* attribute, bool case_sensitive) {
  Value key = attribute ? get_path(item, *attribute, nullptr) : item;
  if (!case_sensitive && key.is_string()) return Value(python_lower(key.as_string()));
  return key;
}

Value f_unique(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader a("unique", args, 2);
  const bool case_sensitive = truthy(a.get_or(0, "case_sensitive", Value(false)));
  const Value* attribute = a.get(1, "attribute");
  a.finish();
  List out, seen;
  for (const Value& item : r.iterate(v)) {
    Value key = sort_key(item, attribute, case_sensitive);
    r.charge_step();
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) continue;
    seen.push_back(std::move(key));
    out.push_back(item);
  }
  return Value::iterator(std::move(out));
}

void sort_by_key(List& items, const std::function<Value(const Value&)>& key, bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) keyed.emplace_back(key(item), item);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? compare_op("<", y.first, x.first) : compare_op("<", x.first, y.first);
  });
  for (size_t i = 0; i < items.size(); ++i) items[i] = keyed[i].second;
}

Value f_sort(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader a("sort", args, 3);
  const bool reverse = truthy(a.get_or(0, "reverse", Value(false)));
  const bool case_sensitive = truthy(a.get_or(1, "case_sensitive", Value(false)));
  const Value* attribute = a.get(2, "attribute");
  a.finish();
  List items = r.iterate(v);
  sort_by_key(items, [&](const Value& item) { return sort_key(item, attribute, case_sensitive); }, reverse);
  return Value::list(std::move(items));
}

Value f_dictsort(Renderer&, const Value& v, CallArgs& args) {
  ArgReader a("dictsort", args, 3);
  const bool case_sensitive = truthy(a.get_or(0, "case_sensitive", Value(false)));
  const std::string by = a.get_string(1, "by", "key");
  const bool reverse = truthy(a.get_or(2, "reverse", Value(false)));
  a.finish();
  if (!v.is_dict()) throw TemplateError("You can only sort by either \"key\" or \"value\"");
  const size_t pos = by == "key" ? 0 : (by == "value" ? 1 : 2);
  if (pos == 2) throw TemplateError("You can only sort by either \"key\" or \"value\"");
  List items;
  for (const auto& [k, item] : v.entries().items) items.push_back(Value::tuple({k, item}));
  sort_by_key(items, [&](const Value& pair) { return sort_key(pair.items()[pos], nullptr, case_sensitive); }, reverse);
  return Value::list(std::move(items));
}

Value f_sum(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader a("sum", args, 2);
  const Value* attribute = a.get(0, "attribute");
  Value total = a.get_or(1, "start", Value(int64_t{0}));
  a.finish();
  for (const Value& item : r.iterate(v)) total = binary_op("+", total, attribute ? get_path(item, *attribute, nullptr) : item, r);
  return total;
}

Value min_max(Renderer& r, const Value& v, CallArgs& args, const char* name, bool want_max) {
  ArgReader a(name, args, 2);
  const bool case_sensitive = truthy(a.get_or(0, "case_sensitive", Value(false)));
  const Value* attribute = a.get(1, "attribute");
  a.finish();
  const List items = r.iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    const Value ki = sort_key(items[i], attribute, case_sensitive);
    const Value kb = sort_key(items[best], attribute, case_sensitive);
    if (want_max ? compare_op(">", ki, kb) : compare_op("<", ki, kb)) best = i;
  }
  return items[best];
}
Value f_min(Renderer& r, const Value& v, CallArgs& a) { return min_max(r, v, a, "min", false); }
Value f_max(Renderer& r, const Value& v, CallArgs& a) { return min_max(r, v, a, "max", true); }

}  // namespace

const std::vector<std::pair<std::string_view, FilterFn>>& sequence_filters() {
  static const std::vector<std::pair<std::string_view, FilterFn>> filters = {
      {"length", f_length}, {"count", f_length}, {"first", f_first}, {"last", f_last}, {"list", f_list},
      {"reverse", f_reverse}, {"join", f_join}, {"items", f_items}, {"select", f_select}, {"reject", f_reject},
      {"selectattr", f_selectattr}, {"rejectattr", f_rejectattr}, {"map", f_map}, {"unique", f_unique},
      {"sort", f_sort}, {"dictsort", f_dictsort}, {"sum", f_sum}, {"min", f_min}, {"max", f_max},
  };
  return filters;
}

}  // namespace edgeserve::tmpl
