// Tokenizer following jinja2's lexer rules (jinja2/lexer.py) for the default delimiters.
#include "engine/template/lexer.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "engine/template/py_text.h"
#include "engine/template/template_error.h"
#include "engine/util/utf8.h"

namespace edgeserve::tmpl {

namespace {

std::string normalize_newlines(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      out += '\n';
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else {
      out += in[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();  // keep_trailing_newline=False
  return out;
}

// Python's unicode-escape decoding as jinja2 applies it to string literals; unknown escapes stay verbatim.
std::string decode_string_literal(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    const char e = body[++i];
    auto hex = [&](int digits) -> bool {
      if (i + static_cast<size_t>(digits) >= body.size()) return false;
      uint32_t cp = 0;
      for (int k = 1; k <= digits; ++k) {
        const char h = body[i + k];
        cp <<= 4;
        if (h >= '0' && h <= '9') cp |= static_cast<uint32_t>(h - '0');
        else if (h >= 'a' && h <= 'f') cp |= static_cast<uint32_t>(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') cp |= static_cast<uint32_t>(h - 'A' + 10);
        else return false;
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
      utf8::append(out, cp);
      i += static_cast<size_t>(digits);
      return true;
    };
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\n': break;  // line continuation
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {  // \ooo octal
        uint32_t cp = static_cast<uint32_t>(e - '0');
        for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
          cp = cp * 8 + static_cast<uint32_t>(body[++i] - '0');
        utf8::append(out, cp);
        break;
      }
      case 'x':
        if (!hex(2)) out += "\\x";
        break;
      case 'u':
        if (!hex(4)) out += "\\u";
        break;
      case 'U':
        if (!hex(8)) out += "\\U";
        break;
      default:
        out += '\\';
        out += e;
    }
  }
  return out;
}

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  Lexer(std::string source, const std::string& origin) : src_(std::move(source)), origin_(origin) {}

  std::vector<Token> run() {
    bool line_starting = true;
    while (pos_ < src_.size()) {
      const size_t hit = find_tag_start(pos_);
      std::string data = src_.substr(pos_, hit - pos_);
      if (hit == src_.size()) {
        emit_data(std::move(data), pos_);
        break;
      }
      const char kind = src_[hit + 1];  // '{', '%' or '#'
      const char marker = hit + 2 < src_.size() ? src_[hit + 2] : '\0';
      if (marker == '-') {
        data = python_strip(data, std::nullopt, false, true);
      } else if (marker != '+' && kind != '{') {  // lstrip_blocks: blocks and comments only
        const size_t l_pos = data.rfind('\n') == std::string::npos ? 0 : data.rfind('\n') + 1;
        if ((l_pos > 0 || line_starting) && l_pos < data.size() && all_space(std::string_view(data).substr(l_pos)))
          data.resize(l_pos);
      }
      emit_data(std::move(data), pos_);
      pos_ = hit + 2 + ((marker == '-' || marker == '+') ? 1 : 0);
      if (kind == '#') line_starting = skip_comment(hit);
      else line_starting = lex_tag(kind == '{', hit);
    }
    tokens_.push_back(make(TokenType::Eof, "", src_.size()));
    return std::move(tokens_);
  }

 private:
  std::string src_;
  const std::string& origin_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;

  [[noreturn]] void fail(size_t at, const std::string& what) const {
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < at && i < src_.size(); ++i)
      if (src_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    throw TemplateSyntaxError(origin_, line, static_cast<int>(at - line_start) + 1, what);
  }

  Token make(TokenType type, std::string text, size_t at) const {
    Token t{type, std::move(text)};
    // Tokens are made in source order, so line tracking advances incrementally.
    for (size_t i = last_pos_; i < at && i < src_.size(); ++i)
      if (src_[i] == '\n') {
        ++last_line_;
        last_line_start_ = i + 1;
      }
    last_pos_ = std::max(last_pos_, at);
    t.line = last_line_;
    t.column = static_cast<int>(at - last_line_start_) + 1;
    return t;
  }
  mutable size_t last_pos_ = 0;
  mutable int last_line_ = 1;
  mutable size_t last_line_start_ = 0;

  static bool all_space(std::string_view s) {
    size_t p = 0;
    while (p < s.size()) {
      char32_t cp;
      size_t len;
      if (!utf8::decode(s, p, cp, len) || !is_python_space(cp)) return false;
      p += len;
    }
    return true;
  }

  size_t find_tag_start(size_t from) const {
    for (size_t p = src_.find('{', from); p != std::string::npos; p = src_.find('{', p + 1)) {
      if (p + 1 < src_.size() && (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#')) return p;
    }
    return src_.size();
  }

  void emit_data(std::string data, size_t at) {
    if (!data.empty()) tokens_.push_back(make(TokenType::Data, std::move(data), at));
  }

  size_t skip_python_space(size_t p) const {
    while (p < src_.size()) {
      char32_t cp;
      size_t len;
      if (!utf8::decode(src_, p, cp, len) || !is_python_space(cp)) break;
      p += len;
    }
    return p;
  }

  // Returns whether the consumed end marker ended with a newline (jinja2's line_starting).
  bool skip_comment(size_t begin) {
    const size_t end = src_.find("#}", pos_);
    if (end == std::string::npos && pos_ >= src_.size()) return false;  // "{#" last: jinja2 ends quietly
    if (end == std::string::npos) fail(begin, "Missing end of comment tag");
    const char marker = end > pos_ ? src_[end - 1] : '\0';
    pos_ = end + 2;
    if (marker == '-') pos_ = skip_python_space(pos_);
    else if (marker != '+' && pos_ < src_.size() && src_[pos_] == '\n') ++pos_;
    return pos_ > 0 && src_[pos_ - 1] == '\n';
  }

  bool lex_tag(bool is_variable, size_t begin) {
    tokens_.push_back(make(is_variable ? TokenType::VariableBegin : TokenType::BlockBegin, "", begin));
    std::vector<char> balancing;
    while (true) {
      if (pos_ >= src_.size()) fail(begin, is_variable ? "unexpected end of template, expected '}}'"
                                                       : "unexpected end of template, expected '%}'");
      if (balancing.empty() && try_end(is_variable)) return pos_ > 0 && src_[pos_ - 1] == '\n';
      const char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
        continue;
      }
      const size_t start = pos_;
      if (is_digit(c)) {
        lex_number(start);
      } else if (is_name_start(c)) {
        while (pos_ < src_.size() && (is_name_start(src_[pos_]) || is_digit(src_[pos_]))) ++pos_;
        tokens_.push_back(make(TokenType::Name, src_.substr(start, pos_ - start), start));
      } else if (c == '\'' || c == '"') {
        size_t p = pos_ + 1;
        while (p < src_.size() && src_[p] != c) p += (src_[p] == '\\') ? 2 : 1;
        if (p >= src_.size()) fail(start, std::string("unexpected char '") + c + "'");
        tokens_.push_back(make(TokenType::String, decode_string_literal(std::string_view(src_).substr(pos_ + 1, p - pos_ - 1)), start));
        pos_ = p + 1;
      } else {
        lex_operator(start, balancing);
      }
    }
  }

  bool try_end(bool is_variable) {
    const std::string_view rest = std::string_view(src_).substr(pos_);
    const std::string_view close = is_variable ? "}}" : "%}";
    const size_t start = pos_;
    if (!is_variable && rest.starts_with("+%}")) {
      pos_ += 3;
    } else if (rest.size() > 2 && rest[0] == '-' && rest.substr(1).starts_with(close)) {
      pos_ = skip_python_space(pos_ + 3);
    } else if (rest.starts_with(close)) {
      pos_ += 2;
      if (!is_variable && pos_ < src_.size() && src_[pos_] == '\n') ++pos_;  // trim_blocks
    } else {
      return false;
    }
    tokens_.push_back(make(is_variable ? TokenType::VariableEnd : TokenType::BlockEnd, "", start));
    return true;
  }

  // jinja2 tries float_re before integer_re. Integers have no leading zeros ("071" lexes as 0, 71) but may
  // carry a 0b / 0o / 0x prefix; '_' separates digits.
  void lex_number(size_t start) {
    auto digits_of = [&](size_t p, auto is_valid) {
      while (p < src_.size() && (is_valid(src_[p]) || (src_[p] == '_' && p + 1 < src_.size() && is_valid(src_[p + 1])))) ++p;
      return p;
    };
    auto decimal = [](char c) { return is_digit(c); };
    const bool after_dot = start > 0 && src_[start] != '.' && src_[start - 1] == '.';
    size_t p = digits_of(start, decimal);
    bool is_float = false;
    if (!after_dot) {
      size_t q = p;
      if (q + 1 < src_.size() && src_[q] == '.' && is_digit(src_[q + 1])) {
        is_float = true;
        q = digits_of(q + 1, decimal);
      }
      if (q < src_.size() && (src_[q] == 'e' || src_[q] == 'E')) {
        size_t e = q + 1;
        if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
        if (e < src_.size() && is_digit(src_[e])) {
          is_float = true;
          q = digits_of(e, decimal);
        }
      }
      if (is_float) p = q;
    }
    int base = 10;
    size_t digits_start = start;
    if (!is_float) {
      const char prefix = start + 2 < src_.size() && src_[start] == '0' ? static_cast<char>(src_[start + 1] | 0x20) : '\0';
      auto binary = [](char c) { return c == '0' || c == '1'; };
      auto octal = [](char c) { return c >= '0' && c <= '7'; };
      auto hex = [](char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); };
      auto prefixed = [&](auto is_valid, int b) {
        size_t q = start + 2;
        if (src_[q] == '_') ++q;
        if (q >= src_.size() || !is_valid(src_[q])) return false;
        p = digits_of(q, is_valid);
        base = b;
        digits_start = start + 2;
        return true;
      };
      if (!((prefix == 'b' && prefixed(binary, 2)) || (prefix == 'o' && prefixed(octal, 8)) || (prefix == 'x' && prefixed(hex, 16))) &&
          src_[start] == '0') {
        p = digits_of(start, [](char c) { return c == '0'; });
      }
    }
    pos_ = p;
    std::string text = src_.substr(digits_start, pos_ - digits_start);
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    Token t = make(is_float ? TokenType::Float : TokenType::Integer, text, start);
    errno = 0;
    if (is_float) {
      t.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      t.int_value = std::strtoll(text.c_str(), nullptr, base);
      if (errno == ERANGE) fail(start, "integer literal too large for 64 bits: " + text);
    }
    tokens_.push_back(std::move(t));
  }

  void lex_operator(size_t start, std::vector<char>& balancing) {
    static constexpr std::string_view two[] = {"//", "**", "==", "!=", ">=", "<="};
    const std::string_view rest = std::string_view(src_).substr(pos_);
    for (const auto op : two)
      if (rest.starts_with(op)) {
        tokens_.push_back(make(TokenType::Operator, std::string(op), start));
        pos_ += 2;
        return;
      }
    const char c = src_[pos_];
    if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos)
      fail(start, std::string("unexpected char '") + c + "'");
    if (c == '(' || c == '[' || c == '{') {
      balancing.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (balancing.empty()) fail(start, std::string("unexpected '") + c + "'");
      if (balancing.back() != c) fail(start, std::string("unexpected '") + c + "', expected '" + balancing.back() + "'");
      balancing.pop_back();
    }
    tokens_.push_back(make(TokenType::Operator, std::string(1, c), start));
    ++pos_;
  }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const std::string& origin) {
  return Lexer(normalize_newlines(source), origin).run();
}

}  // namespace edgeserve::tmpl
