#pragma once
// Reading the arguments of a builtin (filter, test, method, global) by position or keyword, with
// errors that name the builtin. Shared by every builtin so argument handling is written once.
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/value.h"

namespace edgeserve::tmpl {

class ArgReader {
 public:
  ArgReader(std::string function, const CallArgs& args, size_t max_positional);
  // The argument at positional `index` or keyword `name`; nullptr when absent.
  const Value* get(size_t index, std::string_view name);
  Value get_or(size_t index, std::string_view name, Value fallback);
  const Value& require(size_t index, std::string_view name);
  int64_t get_int(size_t index, std::string_view name, int64_t fallback);
  std::string get_string(size_t index, std::string_view name, const std::string& fallback);
  // Throws when a keyword argument was given that no get() asked for.
  void finish() const;

 private:
  std::string function_;
  const CallArgs& args_;
  std::vector<std::string> used_;
};

}  // namespace edgeserve::tmpl
