#pragma once
// The syntax tree the parser builds and the evaluator walks. Plain data; owns no behaviour.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/template/value.h"

namespace edgeserve::tmpl {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal,      // literal
    Name,         // name
    List,         // children: elements
    Tuple,        // children: elements
    Dict,         // children: key0, value0, key1, value1, ...
    Attribute,    // children[0].name
    Subscript,    // children[0][children[1]]
    Slice,        // children[0][children[1]:children[2]:children[3]] (null = absent)
    Call,         // children[0](children[1..], kwargs)
    Filter,       // children[0] | name(children[1..], kwargs)
    Test,         // children[0] is [not] name(children[1..], kwargs)
    Unary,        // name in {"-", "+"} applied to children[0]
    Binary,       // children[0] name children[1], name in + - * / // % ** ~
    Compare,      // children[0] ops[0] children[1] ops[1] children[2] ... (chained)
    And, Or, Not,
    Conditional,  // children[0] if children[1] else children[2] (null: undefined)
  };
  Kind kind;
  int line = 0;
  int column = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> children;
  std::vector<std::string> ops;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  bool negated = false;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind {
    Output,    // text
    Print,     // {{ expr }}
    If,        // branches (cond, body)...; else_body
    For,       // for targets in expr [if cond]: body; else_body
    Set,       // set targets = expr, or set targets[0].attr = expr (namespace)
    SetBlock,  // set targets[0] %}body{% endset (filtered by filter_name when set)
    Macro,     // macro name(params = defaults): body
    Break,
    Continue,
    Scope,     // body rendered in place (transformers' {% generation %})
  };
  Kind kind;
  int line = 0;
  int column = 0;
  std::string text;                   // Output: data; Macro: name; SetBlock: optional filter name
  std::vector<std::string> targets;   // For / Set: assigned names (several: tuple unpacking)
  std::string attr;                   // Set: namespace attribute when non-empty
  bool unpack = false;                // For / Set: target was written as a tuple
  ExprPtr expr;                       // Print / For iterable / Set value
  ExprPtr cond;                       // For: inline filter condition
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body;
  Body else_body;
  std::vector<std::string> params;    // Macro
  std::vector<ExprPtr> defaults;      // Macro: aligned with params, null = required
};

}  // namespace edgeserve::tmpl
