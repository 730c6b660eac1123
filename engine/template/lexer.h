#pragma once
// Lexer: template source -> tokens, with the whitespace rules of the environment transformers uses
// (trim_blocks, lstrip_blocks, `-`/`+` markers, newline normalisation, one trailing newline dropped).
// Comments are dropped here. It must not interpret expressions; it only splits them into tokens.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgeserve::tmpl {

enum class TokenType : uint8_t {
  Data, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, Eof
};

struct Token {
  TokenType type;
  std::string text;  // Data: the text; Name/Operator: the spelling; String: the decoded value
  int64_t int_value = 0;
  double float_value = 0.0;
  int line = 1;
  int column = 1;
};

// Throws TemplateSyntaxError naming `origin`, line and column.
std::vector<Token> tokenize(std::string_view source, const std::string& origin);

}  // namespace edgeserve::tmpl
