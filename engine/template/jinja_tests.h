#pragma once
// Jinja tests (`value is name(args)`): jinja2's builtin tests. The table is closed: the parser rejects
// names not in it, as jinja2 does at compile time.
#include <string>
#include <string_view>

#include "engine/template/value.h"

namespace edgeserve::tmpl {

class Renderer;

bool has_test(std::string_view name);
bool apply_test(Renderer& r, const std::string& name, const Value& input, CallArgs& args);

}  // namespace edgeserve::tmpl
