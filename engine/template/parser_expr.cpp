// Expression half of the parser, one function per precedence level as in jinja2's parser:
// condexpr < or < and < not < compare < + - < ~ < * / // % < ** < unary < postfix/filter/test.
#include "engine/template/filters.h"
#include "engine/template/jinja_tests.h"
#include "engine/template/parser.h"

namespace edgeserve::tmpl {

ExprPtr Parser::parse_expression(bool with_condexpr) {
  DepthGuard guard(*this);
  if (!with_condexpr) return parse_or();
  ExprPtr expr = parse_or();
  while (at_name("if")) {
    const Token at = current();
    ++pos_;
    ExprPtr cond = parse_or();
    ExprPtr otherwise = skip_name("else") ? parse_expression(true) : nullptr;
    auto e = node(Expr::Kind::Conditional, at);
    e->children.push_back(std::move(expr));
    e->children.push_back(std::move(cond));
    e->children.push_back(std::move(otherwise));
    expr = std::move(e);
  }
  return expr;
}

bool Parser::is_tuple_end(const std::vector<std::string_view>& extra_end) const {
  const Token& t = current();
  if (t.type == TokenType::VariableEnd || t.type == TokenType::BlockEnd || t.type == TokenType::Eof) return true;
  if (t.type == TokenType::Operator && t.text == ")") return true;
  if (t.type == TokenType::Name)
    for (const auto name : extra_end)
      if (t.text == name) return true;
  return false;
}

ExprPtr Parser::parse_tuple(bool with_condexpr, const std::vector<std::string_view>& extra_end, bool explicit_parentheses) {
  const Token at = current();
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) expect_operator(",");
    if (is_tuple_end(extra_end)) break;
    items.push_back(parse_expression(with_condexpr));
    if (at_operator(",")) is_tuple = true;
    else break;
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parentheses) fail(current(), "Expected an expression, got " + describe(current()));
  }
  auto e = node(Expr::Kind::Tuple, at);
  e->children = std::move(items);
  return e;
}

namespace {
ExprPtr binary(ExprPtr node, std::string op, ExprPtr left, ExprPtr right) {
  node->name = std::move(op);
  node->children.push_back(std::move(left));
  node->children.push_back(std::move(right));
  return node;
}
}  // namespace

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  while (at_name("or")) {
    const Token at = current();
    ++pos_;
    left = binary(node(Expr::Kind::Or, at), "or", std::move(left), parse_and());
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  while (at_name("and")) {
    const Token at = current();
    ++pos_;
    left = binary(node(Expr::Kind::And, at), "and", std::move(left), parse_not());
  }
  return left;
}

ExprPtr Parser::parse_not() {
  DepthGuard guard(*this);
  if (at_name("not")) {
    auto e = node(Expr::Kind::Not, current());
    ++pos_;
    e->children.push_back(parse_not());
    return e;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  const Token at = current();
  ExprPtr first = parse_math1();
  ExprPtr cmp;
  static const std::string_view kOps[] = {"==", "!=", "<", "<=", ">", ">="};
  while (true) {
    std::string op;
    if (current().type == TokenType::Operator) {
      for (const auto o : kOps)
        if (current().text == o) op = o;
      if (!op.empty()) ++pos_;
    } else if (at_name("in")) {
      op = "in";
      ++pos_;
    } else if (at_name("not") && look().type == TokenType::Name && look().text == "in") {
      op = "notin";
      pos_ += 2;
    }
    if (op.empty()) break;
    if (!cmp) {
      cmp = node(Expr::Kind::Compare, at);
      cmp->children.push_back(std::move(first));
    }
    cmp->ops.push_back(op);
    cmp->children.push_back(parse_math1());
  }
  return cmp ? std::move(cmp) : std::move(first);
}

ExprPtr Parser::parse_math1() {
  ExprPtr left = parse_concat();
  while (at_operator("+") || at_operator("-")) {
    const Token at = current();
    ++pos_;
    left = binary(node(Expr::Kind::Binary, at), at.text, std::move(left), parse_concat());
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  ExprPtr left = parse_math2();
  while (at_operator("~")) {
    const Token at = current();
    ++pos_;
    left = binary(node(Expr::Kind::Binary, at), "~", std::move(left), parse_math2());
  }
  return left;
}

ExprPtr Parser::parse_math2() {
  ExprPtr left = parse_pow();
  while (at_operator("*") || at_operator("/") || at_operator("//") || at_operator("%")) {
    const Token at = current();
    ++pos_;
    left = binary(node(Expr::Kind::Binary, at), at.text, std::move(left), parse_pow());
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (at_operator("**")) {
    const Token at = current();
    ++pos_;
    left = binary(node(Expr::Kind::Binary, at), "**", std::move(left), parse_unary(true));
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  DepthGuard guard(*this);
  ExprPtr e;
  if (at_operator("-") || at_operator("+")) {
    e = node(Expr::Kind::Unary, current());
    e->name = current().text;
    ++pos_;
    e->children.push_back(parse_unary(false));
  } else {
    e = parse_primary();
  }
  e = parse_postfix(std::move(e));
  if (with_filter) e = parse_filter_expr(std::move(e));
  return e;
}

ExprPtr Parser::parse_primary() {
  const Token& t = current();
  ExprPtr e;
  switch (t.type) {
    case TokenType::Name:
      if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
        e = node(Expr::Kind::Literal, t);
        e->literal = Value(t.text == "true" || t.text == "True");
      } else if (t.text == "none" || t.text == "None") {
        e = node(Expr::Kind::Literal, t);
        e->literal = Value::none();
      } else {
        e = node(Expr::Kind::Name, t);
        e->name = t.text;
      }
      ++pos_;
      return e;
    case TokenType::String: {
      e = node(Expr::Kind::Literal, t);
      std::string s;
      while (current().type == TokenType::String) s += tokens_[pos_++].text;  // adjacent literals join
      e->literal = Value(std::move(s));
      return e;
    }
    case TokenType::Integer:
      e = node(Expr::Kind::Literal, t);
      e->literal = Value(t.int_value);
      ++pos_;
      return e;
    case TokenType::Float:
      e = node(Expr::Kind::Literal, t);
      e->literal = Value(t.float_value);
      ++pos_;
      return e;
    case TokenType::Operator:
      if (t.text == "(") {
        ++pos_;
        e = parse_tuple(true, {}, true);
        expect_operator(")");
        return e;
      }
      if (t.text == "[") return parse_list();
      if (t.text == "{") return parse_dict();
      break;
    default: break;
  }
  fail(t, "unexpected " + describe(t));
}

ExprPtr Parser::parse_list() {
  auto e = node(Expr::Kind::List, current());
  expect_operator("[");
  while (!at_operator("]")) {
    if (!e->children.empty()) expect_operator(",");
    if (at_operator("]")) break;
    e->children.push_back(parse_expression());
  }
  expect_operator("]");
  return e;
}

ExprPtr Parser::parse_dict() {
  auto e = node(Expr::Kind::Dict, current());
  expect_operator("{");
  while (!at_operator("}")) {
    if (!e->children.empty()) expect_operator(",");
    if (at_operator("}")) break;
    e->children.push_back(parse_expression());
    expect_operator(":");
    e->children.push_back(parse_expression());
  }
  expect_operator("}");
  return e;
}

ExprPtr Parser::parse_postfix(ExprPtr e) {
  while (true) {
    if (at_operator(".") || at_operator("[")) e = parse_subscript(std::move(e));
    else if (at_operator("(")) {
      auto call = node(Expr::Kind::Call, current());
      call->children.push_back(std::move(e));
      parse_call_args(*call);
      e = std::move(call);
    } else {
      return e;
    }
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr e) {
  while (true) {
    if (at_operator("|")) e = parse_filter(std::move(e));
    else if (at_name("is")) e = parse_test(std::move(e));
    else if (at_operator("(")) {
      auto call = node(Expr::Kind::Call, current());
      call->children.push_back(std::move(e));
      parse_call_args(*call);
      e = std::move(call);
    } else {
      return e;
    }
  }
}

ExprPtr Parser::parse_subscript(ExprPtr e) {
  const Token at = current();
  if (skip_operator(".")) {
    if (current().type == TokenType::Name) {
      auto a = node(Expr::Kind::Attribute, at);
      a->name = tokens_[pos_++].text;
      a->children.push_back(std::move(e));
      return a;
    }
    if (current().type != TokenType::Integer) fail(current(), "expected name or number");
    auto s = node(Expr::Kind::Subscript, at);
    s->children.push_back(std::move(e));
    auto index = node(Expr::Kind::Literal, current());
    index->literal = Value(tokens_[pos_++].int_value);
    s->children.push_back(std::move(index));
    return s;
  }
  expect_operator("[");
  std::vector<ExprPtr> args;
  while (!at_operator("]")) {
    if (!args.empty()) expect_operator(",");
    args.push_back(parse_subscribed());
  }
  expect_operator("]");
  if (args.size() == 1 && args[0]->kind == Expr::Kind::Slice) {
    args[0]->children[0] = std::move(e);
    return std::move(args[0]);
  }
  auto s = node(Expr::Kind::Subscript, at);
  s->children.push_back(std::move(e));
  if (args.size() == 1) {
    s->children.push_back(std::move(args[0]));
  } else {
    auto tuple = node(Expr::Kind::Tuple, at);
    for (auto& a : args) {
      if (a->kind == Expr::Kind::Slice) fail(at, "multi-dimensional slices are not supported");
      tuple->children.push_back(std::move(a));
    }
    s->children.push_back(std::move(tuple));
  }
  return s;
}

// One subscript item: an expression or a slice `start:stop:step` (children[0] is filled by the caller).
ExprPtr Parser::parse_subscribed() {
  const Token at = current();
  ExprPtr start;
  if (!at_operator(":")) {
    start = parse_expression();
    if (!at_operator(":")) return start;
  }
  ++pos_;  // ':'
  auto slice = node(Expr::Kind::Slice, at);
  slice->children.push_back(nullptr);
  slice->children.push_back(std::move(start));
  slice->children.push_back(at_operator("]") || at_operator(",") || at_operator(":") ? nullptr : parse_expression());
  ExprPtr step;
  if (skip_operator(":") && !at_operator("]") && !at_operator(",")) step = parse_expression();
  slice->children.push_back(std::move(step));
  return slice;
}

void Parser::parse_call_args(Expr& call) {
  expect_operator("(");
  bool first = true;
  while (!at_operator(")")) {
    if (!first) expect_operator(",");
    first = false;
    if (at_operator(")")) break;
    if (at_operator("*") || at_operator("**")) fail(current(), "*args and **kwargs in calls are not supported");
    if (current().type == TokenType::Name && look().type == TokenType::Operator && look().text == "=") {
      std::string key = tokens_[pos_].text;
      pos_ += 2;
      call.kwargs.emplace_back(std::move(key), parse_expression());
    } else {
      if (!call.kwargs.empty()) fail(current(), "invalid syntax for function call expression");
      call.children.push_back(parse_expression());
    }
  }
  expect_operator(")");
}

ExprPtr Parser::parse_filter(ExprPtr e) {
  expect_operator("|");
  const Token at = current();
  auto f = node(Expr::Kind::Filter, at);
  f->name = expect_name();
  if (!has_filter(f->name)) fail(at, "No filter named '" + f->name + "'.");
  f->children.push_back(std::move(e));
  if (at_operator("(")) parse_call_args(*f);
  return f;
}

ExprPtr Parser::parse_test(ExprPtr e) {
  ++pos_;  // 'is'
  auto t = node(Expr::Kind::Test, current());
  t->negated = skip_name("not");
  const Token at = current();
  t->name = expect_name();
  if (!has_test(t->name)) fail(at, "No test named '" + t->name + "'.");
  t->children.push_back(std::move(e));
  if (at_operator("(")) {
    parse_call_args(*t);
  } else {
    const Token& c = current();
    const bool starts_arg = c.type == TokenType::Name || c.type == TokenType::String || c.type == TokenType::Integer ||
                            c.type == TokenType::Float ||
                            (c.type == TokenType::Operator && (c.text == "(" || c.text == "[" || c.text == "{"));
    if (starts_arg && !(c.type == TokenType::Name && (c.text == "else" || c.text == "or" || c.text == "and"))) {
      if (at_name("is")) fail(c, "You cannot chain multiple tests with is");
      t->children.push_back(parse_postfix(parse_primary()));
    }
  }
  return t;
}

}  // namespace edgeserve::tmpl
