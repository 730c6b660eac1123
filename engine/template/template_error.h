#pragma once
// The one exception type of the template engine. Parse errors (raised by ChatTemplate::parse) carry the
// origin name, line and column; render errors (raise_exception, type errors, undefined access, resource
// limits) carry the message Python jinja2 would give where one exists, so callers can show it per request.
#include <stdexcept>
#include <string>

namespace edgeserve::tmpl {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown while parsing: the message is "<origin>:<line>:<column>: <fault>".
class TemplateSyntaxError : public TemplateError {
 public:
  TemplateSyntaxError(const std::string& origin, int line, int column, const std::string& fault)
      : TemplateError(origin + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + fault),
        line_(line), column_(column) {}
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  int line_;
  int column_;
};

}  // namespace edgeserve::tmpl
