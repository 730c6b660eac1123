#pragma once
// Python operator semantics for template expressions: arithmetic (+ - * / // % **), `~`, ordering
// comparisons and `in`. Errors carry Python's TypeError/ZeroDivisionError messages. Pure functions of
// values plus the size limits; no scopes, no output.
#include <string>

#include "engine/template/renderer.h"
#include "engine/template/value.h"

namespace edgeserve::tmpl {

Value binary_op(const std::string& op, const Value& a, const Value& b, Renderer& r);
Value unary_op(const std::string& op, const Value& v);
bool compare_op(const std::string& op, const Value& a, const Value& b);  // == != < <= > >= in notin
bool contains(const Value& container, const Value& item);

}  // namespace edgeserve::tmpl
