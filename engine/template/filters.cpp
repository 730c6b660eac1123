// jinja2's scalar and string filters (jinja2/filters.py) and transformers' tojson; the filter table.
#include "engine/template/filters.h"

#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "engine/template/access.h"
#include "engine/template/call_args.h"
#include "engine/template/py_format.h"
#include "engine/template/py_text.h"
#include "engine/template/renderer.h"
#include "engine/template/template_error.h"
#include "engine/util/utf8.h"

namespace edgeserve::tmpl {

namespace {

std::string checked_string(Renderer& r, std::string s) {
  r.check_string_size(s.size());
  r.charge_memory(s.size());
  return s;
}

Value f_tojson(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader a("tojson", args, 4);
  const Value ensure_ascii = a.get_or(0, "ensure_ascii", Value(false));
  const Value indent = a.get_or(1, "indent", Value::none());
  const Value separators = a.get_or(2, "separators", Value::none());
  const Value sort_keys = a.get_or(3, "sort_keys", Value(false));
  a.finish();
  if (truthy(ensure_ascii)) throw TemplateError("tojson: ensure_ascii=True is not supported");
  JsonDumpOptions options;
  options.sort_keys = truthy(sort_keys);
  if (indent.is_integral()) {
    r.check_string_size(static_cast<size_t>(std::max<int64_t>(indent.as_int(), 0)));
    options.indent = std::string(static_cast<size_t>(std::max<int64_t>(indent.as_int(), 0)), ' ');
  } else if (indent.is_string()) {
    options.indent = indent.as_string();
  } else if (!indent.is_none()) {
    throw TemplateError("tojson: indent must be an int, a str or None");
  }
  if (separators.is_sequence_like() && separators.items().size() == 2 && separators.items()[0].is_string() &&
      separators.items()[1].is_string()) {
    options.item_separator = separators.items()[0].as_string();
    options.key_separator = separators.items()[1].as_string();
  } else if (!separators.is_none()) {
    throw TemplateError("tojson: separators must be a pair of strings");
  }
  return Value(checked_string(r, json_dumps(v, options)));
}

Value f_string(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader("string", args, 0).finish();
  return Value(checked_string(r, to_str(v)));
}

Value f_trim(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader a("trim", args, 1);
  const Value* chars = a.get(0, "chars");
  a.finish();
  std::optional<std::string> set;
  if (chars && chars->is_string()) set = chars->as_string();
  return Value(python_strip(to_str(v), set, true, true));
}

Value f_case(const Value& v, CallArgs& args, const char* name, std::string (*fn)(std::string_view)) {
  ArgReader(name, args, 0).finish();
  return Value(fn(to_str(v)));
}
Value f_lower(Renderer&, const Value& v, CallArgs& args) { return f_case(v, args, "lower", python_lower); }
Value f_upper(Renderer&, const Value& v, CallArgs& args) { return f_case(v, args, "upper", python_upper); }
Value f_capitalize(Renderer&, const Value& v, CallArgs& args) { return f_case(v, args, "capitalize", python_capitalize); }

// jinja2's title filter: upper-cases the first character of each piece split at [-\s({\[<]+.
Value f_title(Renderer&, const Value& v, CallArgs& args) {
  ArgReader("title", args, 0).finish();
  const std::string s = to_str(v);
  const auto offsets = code_point_offsets(s);
  std::string out;
  bool at_word_start = true;
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    const std::string_view ch(s.data() + offsets[i], offsets[i + 1] - offsets[i]);
    char32_t cp = 0;
    size_t len = 0;
    const bool decoded = utf8::decode(ch, 0, cp, len);
    const bool separator = decoded && (cp == U'-' || cp == U'(' || cp == U'{' || cp == U'[' || cp == U'<' || is_python_space(cp));
    if (separator) {
      out += ch;
      at_word_start = true;
    } else {
      out += at_word_start ? python_upper(ch) : python_lower(ch);
      at_word_start = false;
    }
  }
  return Value(std::move(out));
}

Value f_replace(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader a("replace", args, 3);
  const std::string from = to_str(a.require(0, "old"));
  const std::string to = to_str(a.require(1, "new"));
  const int64_t count = a.get_int(2, "count", -1);
  a.finish();
  return Value(checked_string(r, python_replace(to_str(v), from, to, count)));
}

Value f_default(Renderer&, const Value& v, CallArgs& args) {
  ArgReader a("default", args, 2);
  Value fallback = a.get_or(0, "default_value", Value(std::string()));
  const bool boolean = truthy(a.get_or(1, "boolean", Value(false)));
  a.finish();
  if (v.is_undefined() || (boolean && !truthy(v))) return fallback;
  return v;
}

Value f_safe(Renderer&, const Value& v, CallArgs& args) {
  ArgReader("safe", args, 0).finish();
  return Value(to_str(v));
}

Value f_escape(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader("escape", args, 0).finish();
  std::string out;
  for (const char c : to_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(checked_string(r, std::move(out)));
}

Value f_indent(Renderer& r, const Value& v, CallArgs& args) {
  ArgReader a("indent", args, 3);
  const Value width = a.get_or(0, "width", Value(int64_t{4}));
  const bool first = truthy(a.get_or(1, "first", Value(false)));
  const bool blank = truthy(a.get_or(2, "blank", Value(false)));
  a.finish();
  std::string indention;
  if (width.is_string()) indention = width.as_string();
  else if (width.is_integral()) indention.assign(static_cast<size_t>(std::clamp<int64_t>(width.as_int(), 0, 4096)), ' ');
  else throw TemplateError("indent: width must be an int or a str");
  // str.splitlines() of s + "\n" (jinja2's own quirk), for the \n, \r\n and \r line breaks.
  std::vector<std::string> lines;
  const std::string s = to_str(v) + "\n";
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n' && s[i] != '\r') continue;
    lines.push_back(s.substr(start, i - start));
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    start = i + 1;
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    if (i > 0 && (blank || !lines[i].empty())) out += indention;
    out += lines[i];
    r.check_string_size(out.size());
  }
  if (first) out = indention + out;
  return Value(std::move(out));
}

Value f_wordcount(Renderer&, const Value& v, CallArgs& args) {
  ArgReader("wordcount", args, 0).finish();
  int64_t words = 0;
  bool in_word = false;
  for (const char c : to_str(v)) {
    const auto u = static_cast<unsigned char>(c);
    const bool word_char = std::isalnum(u) || c == '_' || u >= 0x80;
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value(words);
}

std::optional<double> parse_float(const std::string& text) {
  const std::string s = python_strip(text, std::nullopt, true, true);
  // Python's float() takes decimal text, inf and nan only; strtod would also take hex ("0x1A").
  if (s.empty() || s.find_first_of("xXpP") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

Value f_int(Renderer&, const Value& v, CallArgs& args) {
  ArgReader a("int", args, 2);
  const Value fallback = a.get_or(0, "default", Value(int64_t{0}));
  const int64_t base = a.get_int(1, "base", 10);
  a.finish();
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) {
    if (!std::isfinite(v.as_double()) || std::fabs(v.as_double()) > 9.2e18) return fallback;
    return Value(static_cast<int64_t>(v.as_double()));
  }
  if (v.is_string()) {
    std::string s = python_strip(v.as_string(), std::nullopt, true, true);
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    if (!s.empty() && base >= 2 && base <= 36) {
      char* end = nullptr;
      errno = 0;
      const long long i = std::strtoll(s.c_str(), &end, static_cast<int>(base));
      if (end == s.c_str() + s.size() && errno == 0) return Value(static_cast<int64_t>(i));
    }
    if (const auto d = parse_float(v.as_string()); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18)
      return Value(static_cast<int64_t>(*d));
  }
  return fallback;
}

Value f_float(Renderer&, const Value& v, CallArgs& args) {
  ArgReader a("float", args, 1);
  const Value fallback = a.get_or(0, "default", Value(0.0));
  a.finish();
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string())
    if (const auto d = parse_float(v.as_string())) return Value(*d);
  return fallback;
}

Value f_abs(Renderer&, const Value& v, CallArgs& args) {
  ArgReader("abs", args, 0).finish();
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  if (v.is_integral()) {
    if (v.as_int() == INT64_MIN) throw TemplateError("integer overflow");
    return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  if (v.is_undefined()) fail_undefined(v);
  throw TemplateError("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_round(Renderer&, const Value& v, CallArgs& args) {
  ArgReader a("round", args, 2);
  const int64_t precision = std::clamp<int64_t>(a.get_int(0, "precision", 0), -300, 300);
  const std::string method = a.get_string(1, "method", "common");
  a.finish();
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) throw TemplateError("type " + type_name(v) + " doesn't define __round__ method");
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.as_double() * scale;
  double rounded;
  if (method == "common") rounded = std::nearbyint(x);  // round-half-even, as Python's round()
  else if (method == "ceil") rounded = std::ceil(x);
  else if (method == "floor") rounded = std::floor(x);
  else throw TemplateError("method must be common, ceil or floor");
  return Value(rounded / scale);
}

Value f_attr(Renderer&, const Value& v, CallArgs& args) {
  ArgReader a("attr", args, 1);
  const std::string name = to_str(a.require(0, "name"));
  a.finish();
  return get_attribute(v, name);
}

const std::unordered_map<std::string_view, FilterFn>& table() {
  static const std::unordered_map<std::string_view, FilterFn> t = [] {
    std::unordered_map<std::string_view, FilterFn> m = {
        {"tojson", f_tojson}, {"string", f_string}, {"trim", f_trim}, {"lower", f_lower}, {"upper", f_upper},
        {"capitalize", f_capitalize}, {"title", f_title}, {"replace", f_replace}, {"default", f_default},
        {"d", f_default}, {"safe", f_safe}, {"escape", f_escape}, {"e", f_escape}, {"indent", f_indent},
        {"wordcount", f_wordcount}, {"int", f_int}, {"float", f_float}, {"abs", f_abs}, {"round", f_round},
        {"attr", f_attr},
    };
    for (const auto& [name, fn] : sequence_filters()) m.emplace(name, fn);
    return m;
  }();
  return t;
}

}  // namespace

bool has_filter(std::string_view name) { return table().count(name) != 0; }

Value apply_filter(Renderer& r, const std::string& name, const Value& input, CallArgs& args) {
  r.charge_step();
  const auto it = table().find(name);
  if (it == table().end()) throw TemplateError("No filter named '" + name + "'.");
  return it->second(r, input, args);
}

}  // namespace edgeserve::tmpl
