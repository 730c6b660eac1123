// Statement half of the parser: {% if %}, {% for %}, {% set %}, {% macro %}, loop controls, and the
// token helpers both halves share.
#include "engine/template/parser.h"

#include "engine/template/filters.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

Body parse_template(std::string_view source, const std::string& origin) {
  Parser parser(tokenize(source, origin), origin);
  return parser.parse_root();
}

Parser::DepthGuard::DepthGuard(Parser& parser) : p(parser) {
  if (++p.depth_ > kMaxDepth) p.fail(p.current(), "template nests deeper than " + std::to_string(kMaxDepth) + " levels");
}

const Token& Parser::look(size_t ahead) const {
  const size_t i = pos_ + ahead;
  return i < tokens_.size() ? tokens_[i] : tokens_.back();
}

bool Parser::at_operator(std::string_view op) const {
  return current().type == TokenType::Operator && current().text == op;
}
bool Parser::at_name(std::string_view name) const {
  return current().type == TokenType::Name && current().text == name;
}
bool Parser::skip_operator(std::string_view op) {
  if (!at_operator(op)) return false;
  ++pos_;
  return true;
}
bool Parser::skip_name(std::string_view name) {
  if (!at_name(name)) return false;
  ++pos_;
  return true;
}

std::string Parser::describe(const Token& t) const {
  switch (t.type) {
    case TokenType::Data: return "template data";
    case TokenType::VariableBegin: return "begin of print statement";
    case TokenType::VariableEnd: return "end of print statement";
    case TokenType::BlockBegin: return "begin of statement block";
    case TokenType::BlockEnd: return "end of statement block";
    case TokenType::String: return "string";
    case TokenType::Integer: return "integer";
    case TokenType::Float: return "float";
    case TokenType::Eof: return "end of template";
    default: return "'" + t.text + "'";
  }
}

void Parser::fail(const Token& at, const std::string& what) const {
  throw TemplateSyntaxError(origin_, at.line, at.column, what);
}

void Parser::expect_operator(std::string_view op) {
  if (!skip_operator(op)) fail(current(), "expected '" + std::string(op) + "', got " + describe(current()));
}

std::string Parser::expect_name() {
  if (current().type != TokenType::Name) fail(current(), "expected name, got " + describe(current()));
  return tokens_[pos_++].text;
}

void Parser::expect_block_end() {
  if (current().type != TokenType::BlockEnd) fail(current(), "expected end of statement block, got " + describe(current()));
  ++pos_;
}

ExprPtr Parser::node(Expr::Kind kind, const Token& at) const {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = at.line;
  e->column = at.column;
  return e;
}

Body Parser::parse_root() {
  Body body = parse_body({}, nullptr);
  if (current().type != TokenType::Eof) fail(current(), "unexpected " + describe(current()));
  return body;
}

// Parses statements until a block whose tag is one of `end_tags` (consumed up to the tag name; the
// caller finishes it) or the end of the template (an error when end tags were expected).
Body Parser::parse_body(const std::vector<std::string_view>& end_tags, std::string* which_end) {
  DepthGuard guard(*this);
  Body body;
  while (true) {
    const Token& t = current();
    if (t.type == TokenType::Eof) {
      if (!end_tags.empty()) {
        std::string names;
        for (const auto tag : end_tags) names += (names.empty() ? "'" : " or '") + std::string(tag) + "'";
        fail(t, "Unexpected end of template. Jinja was looking for the following tags: " + names + ".");
      }
      return body;
    }
    if (t.type == TokenType::Data) {
      auto s = std::make_unique<Stmt>();
      s->kind = Stmt::Kind::Output;
      s->line = t.line;
      s->text = t.text;
      body.push_back(std::move(s));
      ++pos_;
    } else if (t.type == TokenType::VariableBegin) {
      ++pos_;
      auto s = std::make_unique<Stmt>();
      s->kind = Stmt::Kind::Print;
      s->line = t.line;
      s->column = t.column;
      s->expr = parse_tuple();
      if (current().type != TokenType::VariableEnd) fail(current(), "expected end of print statement, got " + describe(current()));
      ++pos_;
      body.push_back(std::move(s));
    } else if (t.type == TokenType::BlockBegin) {
      const Token& tag = look();
      if (tag.type == TokenType::Name) {
        for (const auto end : end_tags)
          if (tag.text == end) {
            pos_ += 2;
            if (which_end) *which_end = tag.text;
            return body;
          }
      }
      ++pos_;
      body.push_back(parse_statement());
    } else {
      fail(t, "unexpected " + describe(t));
    }
  }
}

StmtPtr Parser::parse_statement() {
  const Token at = current();
  if (at.type != TokenType::Name) fail(at, "tag name expected");
  const std::string tag = at.text;
  ++pos_;
  if (tag == "for") return parse_for(at);
  if (tag == "if") return parse_if(at);
  if (tag == "set") return parse_set(at);
  if (tag == "macro") return parse_macro(at);
  auto s = std::make_unique<Stmt>();
  s->line = at.line;
  s->column = at.column;
  if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) fail(at, "'" + tag + "' is not inside a loop");
    s->kind = tag == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
    expect_block_end();
    return s;
  }
  if (tag == "generation") {  // transformers' AssistantTracker extension: renders its body unchanged
    s->kind = Stmt::Kind::Scope;
    expect_block_end();
    s->body = parse_body({"endgeneration"}, nullptr);
    expect_block_end();
    return s;
  }
  fail(at, "Encountered unknown tag '" + tag + "'.");
}

void Parser::parse_assign_names(Stmt& stmt) {
  // A name or a tuple of names, optionally parenthesised: `k, v` or `(k, v)`.
  const bool paren = skip_operator("(");
  stmt.targets.push_back(expect_name());
  while (skip_operator(",")) {
    stmt.unpack = true;
    if (current().type != TokenType::Name) break;  // trailing comma
    stmt.targets.push_back(expect_name());
  }
  if (paren) {
    expect_operator(")");
    stmt.unpack = stmt.unpack || stmt.targets.size() > 1;
  }
}

StmtPtr Parser::parse_for(const Token& at) {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::For;
  s->line = at.line;
  s->column = at.column;
  parse_assign_names(*s);
  if (!skip_name("in")) fail(current(), "expected 'in', got " + describe(current()));
  s->expr = parse_tuple(false, {"recursive"});
  if (skip_name("if")) s->cond = parse_expression();
  if (at_name("recursive")) fail(current(), "recursive loops are not supported");
  expect_block_end();
  ++loop_depth_;
  std::string end;
  s->body = parse_body({"endfor", "else"}, &end);
  --loop_depth_;
  expect_block_end();
  if (end == "else") {
    s->else_body = parse_body({"endfor"}, nullptr);
    expect_block_end();
  }
  return s;
}

StmtPtr Parser::parse_if(const Token& at) {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::If;
  s->line = at.line;
  s->column = at.column;
  while (true) {
    ExprPtr cond = parse_tuple(false);
    expect_block_end();
    std::string end;
    Body body = parse_body({"elif", "else", "endif"}, &end);
    s->branches.emplace_back(std::move(cond), std::move(body));
    if (end == "elif") continue;
    if (end == "else") {
      expect_block_end();
      s->else_body = parse_body({"endif"}, nullptr);
    }
    expect_block_end();
    return s;
  }
}

StmtPtr Parser::parse_set(const Token& at) {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::Set;
  s->line = at.line;
  s->column = at.column;
  if (current().type == TokenType::Name && look().type == TokenType::Operator && look().text == ".") {
    s->targets.push_back(expect_name());
    ++pos_;
    s->attr = expect_name();
  } else {
    parse_assign_names(*s);
  }
  if (skip_operator("=")) {
    s->expr = parse_tuple();
    expect_block_end();
    return s;
  }
  if (!s->attr.empty() || s->unpack) fail(current(), "expected '=', got " + describe(current()));
  s->kind = Stmt::Kind::SetBlock;
  if (skip_operator("|")) {
    s->text = expect_name();
    if (!has_filter(s->text)) fail(at, "No filter named '" + s->text + "'.");
  }
  expect_block_end();
  s->body = parse_body({"endset"}, nullptr);
  expect_block_end();
  return s;
}

StmtPtr Parser::parse_macro(const Token& at) {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::Macro;
  s->line = at.line;
  s->column = at.column;
  s->text = expect_name();
  expect_operator("(");
  while (!skip_operator(")")) {
    if (!s->params.empty()) expect_operator(",");
    if (skip_operator(")")) break;
    s->params.push_back(expect_name());
    if (skip_operator("=")) {
      s->defaults.push_back(parse_expression());
    } else {
      if (!s->defaults.empty() && s->defaults.back() != nullptr) fail(current(), "non-default argument follows default argument");
      s->defaults.push_back(nullptr);
    }
  }
  expect_block_end();
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;  // break/continue cannot cross a macro boundary
  s->body = parse_body({"endmacro"}, nullptr);
  loop_depth_ = saved_loops;
  expect_block_end();
  return s;
}

}  // namespace edgeserve::tmpl
