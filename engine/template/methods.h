#pragma once
// Methods of str, dict and list values that templates call (`s.startswith(...)`, `d.items()`), as
// bound callables. Mutating list/dict methods resolve to an Undefined carrying the sandbox's refusal.
#include <optional>
#include <string>

#include "engine/template/value.h"

namespace edgeserve::tmpl {

// The bound method `obj.name`, an Undefined for refused (mutating) methods, or nullopt when `obj` has
// no such method (then attribute access falls back to items).
std::optional<Value> bound_method(const Value& obj, const std::string& name);

}  // namespace edgeserve::tmpl
