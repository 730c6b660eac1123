// Argument reading for builtins (see call_args.h).
#include "engine/template/call_args.h"

#include <algorithm>

#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

ArgReader::ArgReader(std::string function, const CallArgs& args, size_t max_positional)
    : function_(std::move(function)), args_(args) {
  if (args.positional.size() > max_positional)
    throw TemplateError(function_ + "() takes at most " + std::to_string(max_positional) + " positional argument(s) (" +
                        std::to_string(args.positional.size()) + " given)");
}

const Value* ArgReader::get(size_t index, std::string_view name) {
  used_.emplace_back(name);
  const Value* by_position = index < args_.positional.size() ? &args_.positional[index] : nullptr;
  for (const auto& [key, value] : args_.named)
    if (key == name) {
      if (by_position) throw TemplateError(function_ + "() got multiple values for argument '" + std::string(name) + "'");
      return &value;
    }
  return by_position;
}

Value ArgReader::get_or(size_t index, std::string_view name, Value fallback) {
  const Value* v = get(index, name);
  return v ? *v : std::move(fallback);
}

const Value& ArgReader::require(size_t index, std::string_view name) {
  const Value* v = get(index, name);
  if (!v) throw TemplateError(function_ + "() missing required argument '" + std::string(name) + "'");
  return *v;
}

int64_t ArgReader::get_int(size_t index, std::string_view name, int64_t fallback) {
  const Value* v = get(index, name);
  if (!v || v->is_none()) return fallback;
  if (!v->is_integral()) throw TemplateError(function_ + "(): '" + std::string(name) + "' must be an integer, not " + type_name(*v));
  return v->as_int();
}

std::string ArgReader::get_string(size_t index, std::string_view name, const std::string& fallback) {
  const Value* v = get(index, name);
  if (!v) return fallback;
  if (!v->is_string()) throw TemplateError(function_ + "(): '" + std::string(name) + "' must be a string, not " + type_name(*v));
  return v->as_string();
}

void ArgReader::finish() const {
  for (const auto& [key, value] : args_.named)
    if (std::find(used_.begin(), used_.end(), key) == used_.end())
      throw TemplateError(function_ + "() got an unexpected keyword argument '" + key + "'");
}

}  // namespace edgeserve::tmpl
