// Statement execution, the scope chain and resource accounting of the Renderer. Expression
// evaluation is in renderer_expr.cpp.
#include "engine/template/renderer.h"

#include <utility>

#include "engine/template/filters.h"
#include "engine/template/globals.h"
#include "engine/template/py_text.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

namespace {
constexpr int kMaxEvalDepth = 512;  // nested statement/expression evaluation, macro calls included
}

const Value* Scope::find(const std::string& name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent_.get()) {
    const auto it = s->vars_.find(name);
    if (it != s->vars_.end()) return &it->second;
  }
  return nullptr;
}

Renderer::~Renderer() {
  for (Value& ns : namespaces_) ns.entries().items.clear();
}

Renderer::CallDepthGuard::CallDepthGuard(Renderer& renderer) : r(renderer) {
  if (++r.depth_ > kMaxEvalDepth) {
    --r.depth_;
    throw TemplateError("template recursion too deep (more than " + std::to_string(kMaxEvalDepth) + " nested evaluations)");
  }
}

void Renderer::charge_step() {
  if (++steps_ > limits_.max_steps)
    throw TemplateError("template evaluation exceeded " + std::to_string(limits_.max_steps) + " steps");
}

void Renderer::check_string_size(size_t bytes) const {
  if (bytes > limits_.max_output_bytes)
    throw TemplateError("template string exceeds " + std::to_string(limits_.max_output_bytes) + " bytes");
}

void Renderer::check_collection_size(size_t items) const {
  if (items > limits_.max_collection_items)
    throw TemplateError("template collection exceeds " + std::to_string(limits_.max_collection_items) + " items");
}

void Renderer::charge_memory(size_t bytes) {
  total_bytes_ += bytes;
  if (total_bytes_ > limits_.max_total_bytes || bytes > limits_.max_total_bytes)
    throw TemplateError("template evaluation made more than " + std::to_string(limits_.max_total_bytes) + " bytes of values");
}

Value Renderer::new_namespace() {
  Value ns = Value::new_namespace();
  namespaces_.push_back(ns);
  return ns;
}

std::vector<Value> Renderer::iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return {};
    case Value::Kind::List:
    case Value::Kind::Tuple: return v.items();
    case Value::Kind::Iterator: return std::exchange(v.items(), {});  // single pass: consumed
    case Value::Kind::Dict: {
      std::vector<Value> keys;
      keys.reserve(v.entries().items.size());
      for (const auto& [k, item] : v.entries().items) keys.push_back(k);
      return keys;
    }
    case Value::Kind::String: {
      const std::string& s = v.as_string();
      const auto offsets = code_point_offsets(s);
      check_collection_size(offsets.size() - 1);
      charge_memory(offsets.size() * sizeof(Value));
      std::vector<Value> chars;
      chars.reserve(offsets.size() - 1);
      for (size_t i = 0; i + 1 < offsets.size(); ++i) chars.emplace_back(s.substr(offsets[i], offsets[i + 1] - offsets[i]));
      return chars;
    }
    default: throw TemplateError("'" + type_name(v) + "' object is not iterable");
  }
}

std::string Renderer::render(const Body& body, const std::shared_ptr<Scope>& globals) {
  std::string out;
  exec(body, globals, out);
  return out;
}

void Renderer::append_output(std::string& out, std::string_view text) const {
  if (out.size() + text.size() > limits_.max_output_bytes)
    throw TemplateError("rendered output exceeds " + std::to_string(limits_.max_output_bytes) + " bytes");
  out.append(text);
}

Renderer::Flow Renderer::exec(const Body& body, const std::shared_ptr<Scope>& scope, std::string& out) {
  CallDepthGuard guard(*this);
  for (const StmtPtr& stmt : body) {
    charge_step();
    const Stmt& s = *stmt;
    switch (s.kind) {
      case Stmt::Kind::Output: append_output(out, s.text); break;
      case Stmt::Kind::Print: {
        const Value v = eval(*s.expr, scope);
        if (v.is_string()) append_output(out, v.as_string());
        else append_output(out, to_str(v));
        break;
      }
      case Stmt::Kind::If: {
        const Body* chosen = &s.else_body;
        for (const auto& [cond, branch] : s.branches)
          if (truthy(eval(*cond, scope))) {
            chosen = &branch;
            break;
          }
        const Flow flow = exec(*chosen, scope, out);
        if (flow != Flow::Normal) return flow;
        break;
      }
      case Stmt::Kind::For: exec_for(s, scope, out); break;
      case Stmt::Kind::Set: exec_set(s, scope, eval(*s.expr, scope)); break;
      case Stmt::Kind::SetBlock: {
        std::string captured;
        exec(s.body, scope, captured);
        Value v(std::move(captured));
        if (!s.text.empty()) {
          CallArgs no_args;
          v = apply_filter(*this, s.text, v, no_args);
        }
        scope->set(s.targets[0], std::move(v));
        break;
      }
      case Stmt::Kind::Macro: scope->set(s.text, make_macro(s, scope)); break;
      case Stmt::Kind::Break: return Flow::Break;
      case Stmt::Kind::Continue: return Flow::Continue;
      case Stmt::Kind::Scope: {
        const Flow flow = exec(s.body, scope, out);
        if (flow != Flow::Normal) return flow;
        break;
      }
    }
  }
  return Flow::Normal;
}

namespace {

void bind_targets(const Stmt& s, Scope& scope, const Value& item, Renderer& r) {
  if (!s.unpack) {
    scope.set(s.targets[0], item);
    return;
  }
  const std::vector<Value> parts = r.iterate(item);
  if (parts.size() < s.targets.size())
    throw TemplateError("not enough values to unpack (expected " + std::to_string(s.targets.size()) + ", got " +
                        std::to_string(parts.size()) + ")");
  if (parts.size() > s.targets.size())
    throw TemplateError("too many values to unpack (expected " + std::to_string(s.targets.size()) + ")");
  for (size_t i = 0; i < parts.size(); ++i) scope.set(s.targets[i], parts[i]);
}

}  // namespace

Renderer::Flow Renderer::exec_for(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out) {
  std::vector<Value> items = iterate(eval(*s.expr, scope));
  if (s.cond) {  // `for x in xs if cond`: filtered before the loop, so loop.length counts kept items
    std::vector<Value> kept;
    for (Value& item : items) {
      auto probe = std::make_shared<Scope>(scope);
      bind_targets(s, *probe, item, *this);
      if (truthy(eval(*s.cond, probe))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec(s.else_body, std::make_shared<Scope>(scope), out);
    return Flow::Normal;
  }
  const auto length = static_cast<int64_t>(items.size());
  auto position = std::make_shared<int64_t>(0);  // loop.cycle() reads the current iteration
  auto cycle_fn = std::make_shared<Callable>();
  cycle_fn->name = "cycle";
  cycle_fn->call = [position](Renderer&, CallArgs& args) -> Value {
    if (args.positional.empty()) throw TemplateError("no items for cycling given");
    return args.positional[static_cast<size_t>(*position) % args.positional.size()];
  };
  const Value cycle = Value::callable(std::move(cycle_fn));
  for (int64_t i = 0; i < length; ++i) {
    *position = i;
    charge_step();
    auto iteration = std::make_shared<Scope>(scope);
    bind_targets(s, *iteration, items[static_cast<size_t>(i)], *this);
    // Key strings are made once; copies of a Value share the text.
    static const Value kKeys[] = {Value("index"), Value("index0"), Value("revindex"), Value("revindex0"),
                                  Value("first"), Value("last"), Value("length"), Value("depth"),
                                  Value("depth0"), Value("previtem"), Value("nextitem"), Value("cycle")};
    Value loop = Value::dict();
    Dict& d = loop.entries();
    d.items.reserve(12);
    d.items.emplace_back(kKeys[0], Value(i + 1));
    d.items.emplace_back(kKeys[1], Value(i));
    d.items.emplace_back(kKeys[2], Value(length - i));
    d.items.emplace_back(kKeys[3], Value(length - i - 1));
    d.items.emplace_back(kKeys[4], Value(i == 0));
    d.items.emplace_back(kKeys[5], Value(i == length - 1));
    d.items.emplace_back(kKeys[6], Value(length));
    d.items.emplace_back(kKeys[7], Value(int64_t{1}));
    d.items.emplace_back(kKeys[8], Value(int64_t{0}));
    d.items.emplace_back(kKeys[9], i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined("there is no previous item"));
    d.items.emplace_back(kKeys[10], i + 1 < length ? items[static_cast<size_t>(i + 1)] : Value::undefined("there is no next item"));
    d.items.emplace_back(kKeys[11], cycle);
    iteration->set("loop", std::move(loop));
    if (exec(s.body, iteration, out) == Flow::Break) break;
  }
  return Flow::Normal;
}

void Renderer::exec_set(const Stmt& s, const std::shared_ptr<Scope>& scope, Value value) {
  if (!s.attr.empty()) {
    const Value* target = scope->find(s.targets[0]);
    if (target == nullptr || !target->is_namespace())
      throw TemplateError("cannot assign attribute on non-namespace object");
    check_namespace_attribute(s.attr);
    target->entries().set(Value(s.attr), std::move(value));
    return;
  }
  bind_targets(s, *scope, value, *this);
}

Value Renderer::make_macro(const Stmt& s, const std::shared_ptr<Scope>& scope) {
  auto fn = std::make_shared<Callable>();
  fn->name = s.text;
  // A weak reference: the defining scope usually holds this macro, and a strong one would be a cycle.
  std::weak_ptr<Scope> defining = scope;
  const Stmt* macro = &s;
  fn->call = [macro, defining](Renderer& r, CallArgs& args) -> Value {
    std::shared_ptr<Scope> parent = defining.lock();
    if (!parent) throw TemplateError("macro '" + macro->text + "' called after its scope ended");
    if (++r.call_depth_ > r.limits_.max_call_depth) {
      --r.call_depth_;
      throw TemplateError("macro calls nested deeper than " + std::to_string(r.limits_.max_call_depth));
    }
    struct Exit {
      Renderer& r;
      ~Exit() { --r.call_depth_; }
    } exit{r};
    const size_t num_params = macro->params.size();
    if (args.positional.size() > num_params)
      throw TemplateError("macro '" + macro->text + "' takes not more than " + std::to_string(num_params) + " argument(s)");
    auto frame = std::make_shared<Scope>(parent);
    std::vector<bool> bound(num_params, false);
    for (size_t i = 0; i < args.positional.size(); ++i) {
      frame->set(macro->params[i], args.positional[i]);
      bound[i] = true;
    }
    for (const auto& [key, value] : args.named) {
      size_t i = 0;
      while (i < num_params && macro->params[i] != key) ++i;
      if (i == num_params) throw TemplateError("macro '" + macro->text + "' takes no keyword argument '" + key + "'");
      frame->set(key, value);
      bound[i] = true;
    }
    for (size_t i = 0; i < num_params; ++i) {
      if (bound[i]) continue;
      if (macro->defaults[i]) frame->set(macro->params[i], r.eval(*macro->defaults[i], frame));
      else frame->set(macro->params[i], Value::undefined("parameter '" + macro->params[i] + "' was not provided"));
    }
    std::string out;
    r.exec(macro->body, frame, out);
    return Value(std::move(out));
  };
  return Value::callable(std::move(fn));
}

}  // namespace edgeserve::tmpl
