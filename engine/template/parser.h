#pragma once
// Parser: tokens -> syntax tree, following jinja2's grammar and operator precedence (jinja2/parser.py)
// for the statements chat templates use. Unknown filters and tests are rejected here, as jinja2 rejects
// them when it compiles. Nesting depth is bounded so hostile input cannot overflow the stack.
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/ast.h"
#include "engine/template/lexer.h"

namespace edgeserve::tmpl {

// Throws TemplateSyntaxError ("<origin>:<line>:<column>: <fault>").
Body parse_template(std::string_view source, const std::string& origin);

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& origin) : tokens_(std::move(tokens)), origin_(origin) {}
  Body parse_root();

  static constexpr int kMaxDepth = 128;

 private:
  std::vector<Token> tokens_;
  const std::string& origin_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  int macro_depth_ = 0;

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser);
    ~DepthGuard() { --p.depth_; }
  };

  // token helpers
  const Token& current() const { return tokens_[pos_]; }
  const Token& look(size_t ahead = 1) const;
  bool at_operator(std::string_view op) const;
  bool at_name(std::string_view name) const;
  bool skip_operator(std::string_view op);
  bool skip_name(std::string_view name);
  void expect_operator(std::string_view op);
  std::string expect_name();
  void expect_block_end();
  [[noreturn]] void fail(const Token& at, const std::string& what) const;
  std::string describe(const Token& t) const;
  ExprPtr node(Expr::Kind kind, const Token& at) const;

  // statements (parser_stmt.cpp)
  Body parse_body(const std::vector<std::string_view>& end_tags, std::string* which_end);
  StmtPtr parse_statement();
  StmtPtr parse_for(const Token& at);
  StmtPtr parse_if(const Token& at);
  StmtPtr parse_set(const Token& at);
  StmtPtr parse_macro(const Token& at);
  void parse_assign_names(Stmt& stmt);

  // expressions (parser_expr.cpp)
 public:
  ExprPtr parse_expression(bool with_condexpr = true);
  ExprPtr parse_tuple(bool with_condexpr = true, const std::vector<std::string_view>& extra_end = {},
                      bool explicit_parentheses = false);

 private:
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_subscribed();
  void parse_call_args(Expr& call);
  ExprPtr parse_filter(ExprPtr node);
  ExprPtr parse_test(ExprPtr node);
  ExprPtr parse_list();
  ExprPtr parse_dict();
  bool is_tuple_end(const std::vector<std::string_view>& extra_end) const;
};

}  // namespace edgeserve::tmpl
