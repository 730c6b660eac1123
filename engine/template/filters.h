#pragma once
// Jinja filters (`value | name(args)`): jinja2's builtin filters the chat templates use, plus
// transformers' tojson (json.dumps with ensure_ascii=False). The table is closed: the parser rejects
// names not in it, as jinja2 does at compile time.
#include <string>
#include <string_view>

#include "engine/template/value.h"

namespace edgeserve::tmpl {

class Renderer;
using FilterFn = Value (*)(Renderer& r, const Value& input, CallArgs& args);

bool has_filter(std::string_view name);
Value apply_filter(Renderer& r, const std::string& name, const Value& input, CallArgs& args);

// Filters over sequences live in filters_seq.cpp; this returns that part of the table.
const std::vector<std::pair<std::string_view, FilterFn>>& sequence_filters();

}  // namespace edgeserve::tmpl
