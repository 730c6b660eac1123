// Expression evaluation of the Renderer: names, literals, access, calls, filters, tests, operators.
#include "engine/template/access.h"
#include "engine/template/filters.h"
#include "engine/template/jinja_tests.h"
#include "engine/template/operators.h"
#include "engine/template/renderer.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

Value Renderer::eval(const Expr& e, const std::shared_ptr<Scope>& scope) {
  charge_step();
  CallDepthGuard guard(*this);
  switch (e.kind) {
    case Expr::Kind::Literal: return e.literal;
    case Expr::Kind::Name: {
      if (const Value* v = scope->find(e.name)) return *v;
      return Value::undefined("'" + e.name + "' is undefined");
    }
    case Expr::Kind::List:
    case Expr::Kind::Tuple: {
      List items;
      items.reserve(e.children.size());
      for (const ExprPtr& child : e.children) items.push_back(eval(*child, scope));
      charge_memory(items.size() * sizeof(Value));
      return e.kind == Expr::Kind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case Expr::Kind::Dict: {
      Value d = Value::dict();
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        Value key = eval(*e.children[i], scope);
        d.entries().set(key, eval(*e.children[i + 1], scope));
      }
      charge_memory(d.entries().items.size() * 2 * sizeof(Value));
      return d;
    }
    case Expr::Kind::Attribute: return get_attribute(eval(*e.children[0], scope), e.name);
    case Expr::Kind::Subscript: {
      const Value obj = eval(*e.children[0], scope);
      return get_item(obj, eval(*e.children[1], scope));
    }
    case Expr::Kind::Slice: return eval_slice(e, scope);
    case Expr::Kind::Call: return eval_call(e, scope);
    case Expr::Kind::Filter: {
      const Value input = eval(*e.children[0], scope);
      CallArgs args = eval_args(e, 1, scope);
      return apply_filter(*this, e.name, input, args);
    }
    case Expr::Kind::Test: {
      const Value input = eval(*e.children[0], scope);
      CallArgs args = eval_args(e, 1, scope);
      return Value(apply_test(*this, e.name, input, args) != e.negated);
    }
    case Expr::Kind::Unary: return unary_op(e.name, eval(*e.children[0], scope));
    case Expr::Kind::Binary: {
      const Value left = eval(*e.children[0], scope);
      return binary_op(e.name, left, eval(*e.children[1], scope), *this);
    }
    case Expr::Kind::Compare: {
      Value left = eval(*e.children[0], scope);
      for (size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.children[i + 1], scope);
        if (!compare_op(e.ops[i], left, right)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case Expr::Kind::And: {
      Value left = eval(*e.children[0], scope);
      if (!truthy(left)) return left;
      return eval(*e.children[1], scope);
    }
    case Expr::Kind::Or: {
      Value left = eval(*e.children[0], scope);
      if (truthy(left)) return left;
      return eval(*e.children[1], scope);
    }
    case Expr::Kind::Not: return Value(!truthy(eval(*e.children[0], scope)));
    case Expr::Kind::Conditional: {
      if (truthy(eval(*e.children[1], scope))) return eval(*e.children[0], scope);
      if (e.children[2]) return eval(*e.children[2], scope);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  throw TemplateError("unknown expression kind");
}

Value Renderer::eval_slice(const Expr& e, const std::shared_ptr<Scope>& scope) {
  const Value obj = eval(*e.children[0], scope);
  std::optional<int64_t> bounds[3];
  for (size_t i = 0; i < 3; ++i) {
    if (!e.children[i + 1]) continue;
    const Value b = eval(*e.children[i + 1], scope);
    if (b.is_none()) continue;
    if (!b.is_integral()) throw TemplateError("slice indices must be integers or None or have an __index__ method");
    bounds[i] = b.as_int();
  }
  return get_slice(obj, bounds[0], bounds[1], bounds[2]);
}

CallArgs Renderer::eval_args(const Expr& e, size_t first_child, const std::shared_ptr<Scope>& scope) {
  CallArgs args;
  for (size_t i = first_child; i < e.children.size(); ++i) args.positional.push_back(eval(*e.children[i], scope));
  for (const auto& [key, value] : e.kwargs) args.named.emplace_back(key, eval(*value, scope));
  return args;
}

Value Renderer::eval_call(const Expr& e, const std::shared_ptr<Scope>& scope) {
  const Value callee = eval(*e.children[0], scope);
  CallArgs args = eval_args(e, 1, scope);
  return call(callee, args);
}

Value Renderer::call(const Value& fn, CallArgs& args) {
  if (fn.is_undefined()) fail_undefined(fn);
  if (!fn.is_callable()) throw TemplateError("'" + type_name(fn) + "' object is not callable");
  return fn.function().call(*this, args);
}

}  // namespace edgeserve::tmpl
