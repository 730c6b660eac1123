#pragma once
// Attribute, item and slice access with jinja2's sandboxed-environment rules: `a.b` tries the Python
// attribute (str/dict/list methods) and then the item; `a[b]` tries the item and then the attribute;
// a miss yields an Undefined that remembers jinja2's message. Mutating list/dict methods are refused as
// the ImmutableSandboxedEnvironment refuses them.
#include <optional>
#include <string>

#include "engine/template/value.h"

namespace edgeserve::tmpl {

Value get_attribute(const Value& obj, const std::string& name);
Value get_item(const Value& obj, const Value& key);
// Python slicing obj[start:stop:step] of str (by code points), list or tuple; absent bounds as nullopt.
Value get_slice(const Value& obj, const std::optional<int64_t>& start, const std::optional<int64_t>& stop,
                const std::optional<int64_t>& step);

}  // namespace edgeserve::tmpl
