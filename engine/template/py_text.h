#pragma once
// Python str operations on UTF-8 bytes: code-point indexing (len, slicing), Python's whitespace set,
// strip/split/case mapping as str methods do them. Pure functions; no Value, no templates.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgeserve::tmpl {

// Byte offset of every code point plus the end offset (size = number of code points + 1). Invalid bytes
// count as one code point each, so every input has a well-defined length.
std::vector<size_t> code_point_offsets(std::string_view s);
size_t code_point_count(std::string_view s);

bool is_python_space(char32_t cp);  // str.isspace()

// str.strip/lstrip/rstrip: `chars` absent strips whitespace, else strips any code point of `chars`.
std::string python_strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// str.split(sep, maxsplit): absent `sep` splits on runs of whitespace and drops empty pieces.
std::vector<std::string> python_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> python_rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::string python_upper(std::string_view s);
std::string python_lower(std::string_view s);
std::string python_title(std::string_view s);       // str.title()
std::string python_capitalize(std::string_view s);  // str.capitalize()
// str.replace(old, new, count); count < 0 replaces all. An empty `old` inserts between code points.
std::string python_replace(std::string_view s, std::string_view from, std::string_view to, int64_t count);
int64_t python_count(std::string_view s, std::string_view sub);
// str.find in code points, -1 when absent.
int64_t python_find(std::string_view s, std::string_view sub, bool reverse);

}  // namespace edgeserve::tmpl
