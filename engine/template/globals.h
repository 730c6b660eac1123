#pragma once
// The global functions transformers' chat-template environment provides: range (with the sandbox's
// size cap), namespace, dict, raise_exception and strftime_now.
#include <memory>

#include "engine/template/renderer.h"

namespace edgeserve::tmpl {

// Binds the globals into `scope` (the outermost scope of a render).
void add_globals(Scope& scope);

// Throws the sandbox's error for underscore-prefixed namespace attributes (`set ns._x = ...`).
void check_namespace_attribute(const std::string& name);

}  // namespace edgeserve::tmpl
