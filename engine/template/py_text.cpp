// Python str semantics over UTF-8 (see py_text.h). Case mapping uses utf8proc's simple mappings, which
// agree with Python except for the few characters whose upper case is several characters (e.g. U+00DF).
#include "engine/template/py_text.h"

#include <utf8proc.h>

#include "engine/util/utf8.h"

namespace edgeserve::tmpl {

namespace {

struct CodePoint {
  char32_t cp;
  size_t pos;
  size_t len;
};

std::vector<CodePoint> decode_all(std::string_view s) {
  std::vector<CodePoint> out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    char32_t cp;
    size_t len;
    if (!utf8::decode(s, pos, cp, len)) {
      cp = 0xFFFD;
      len = 1;
    }
    out.push_back({cp, pos, len});
    pos += len;
  }
  return out;
}

bool is_cased(char32_t cp) {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}

void append_cp(std::string& out, utf8proc_int32_t cp) { utf8::append(out, static_cast<char32_t>(cp)); }

template <typename Map>
std::string map_each(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  for (const auto& c : decode_all(s)) {
    if (c.cp == 0xFFFD && c.len == 1) out.append(s.substr(c.pos, 1));
    else append_cp(out, map(static_cast<utf8proc_int32_t>(c.cp)));
  }
  return out;
}

}  // namespace

std::vector<size_t> code_point_offsets(std::string_view s) {
  std::vector<size_t> out;
  out.reserve(s.size() + 1);
  for (const auto& c : decode_all(s)) out.push_back(c.pos);
  out.push_back(s.size());
  return out;
}

size_t code_point_count(std::string_view s) {
  size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

bool is_python_space(char32_t cp) {
  if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F)) return true;
  if (cp < 0x80) return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::string python_strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  const auto cps = decode_all(s);
  std::vector<char32_t> strip_set;
  if (chars)
    for (const auto& c : decode_all(*chars)) strip_set.push_back(c.cp);
  auto strippable = [&](char32_t cp) {
    if (!chars) return is_python_space(cp);
    for (const char32_t x : strip_set)
      if (x == cp) return true;
    return false;
  };
  size_t begin = 0, end = cps.size();
  if (left)
    while (begin < end && strippable(cps[begin].cp)) ++begin;
  if (right)
    while (end > begin && strippable(cps[end - 1].cp)) --end;
  if (begin == end) return {};
  return std::string(s.substr(cps[begin].pos, cps[end - 1].pos + cps[end - 1].len - cps[begin].pos));
}

std::vector<std::string> python_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      const size_t hit = s.find(*sep, start);
      if (hit == std::string_view::npos) break;
      out.emplace_back(s.substr(start, hit - start));
      start = hit + sep->size();
    }
    out.emplace_back(s.substr(start));
    return out;
  }
  const auto cps = decode_all(s);
  size_t i = 0;
  while (i < cps.size()) {
    while (i < cps.size() && is_python_space(cps[i].cp)) ++i;
    if (i == cps.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {  // the rest, minus trailing space
      out.push_back(python_strip(s.substr(cps[i].pos), std::nullopt, false, true));
      break;
    }
    const size_t start = i;
    while (i < cps.size() && !is_python_space(cps[i].cp)) ++i;
    const size_t end_byte = i < cps.size() ? cps[i].pos : s.size();
    out.emplace_back(s.substr(cps[start].pos, end_byte - cps[start].pos));
  }
  return out;
}

std::vector<std::string> python_rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  if (maxsplit < 0 || !sep) return python_split(s, sep, maxsplit);  // same pieces when unbounded
  std::vector<std::string> out;
  size_t end = s.size();
  while (static_cast<int64_t>(out.size()) < maxsplit && end >= sep->size()) {
    const size_t hit = s.rfind(*sep, end - sep->size());
    if (hit == std::string_view::npos) break;
    out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
    end = hit;
  }
  out.emplace_back(s.substr(0, end));
  return {out.rbegin(), out.rend()};
}

std::string python_upper(std::string_view s) { return map_each(s, utf8proc_toupper); }
std::string python_lower(std::string_view s) { return map_each(s, utf8proc_tolower); }

std::string python_title(std::string_view s) {
  std::string out;
  bool previous_is_cased = false;
  for (const auto& c : decode_all(s)) {
    const auto cp = static_cast<utf8proc_int32_t>(c.cp);
    append_cp(out, previous_is_cased ? utf8proc_tolower(cp) : utf8proc_totitle(cp));
    previous_is_cased = is_cased(c.cp);
  }
  return out;
}

std::string python_capitalize(std::string_view s) {
  std::string out;
  bool first = true;
  for (const auto& c : decode_all(s)) {
    const auto cp = static_cast<utf8proc_int32_t>(c.cp);
    append_cp(out, first ? utf8proc_totitle(cp) : utf8proc_tolower(cp));
    first = false;
  }
  return out;
}

std::string python_replace(std::string_view s, std::string_view from, std::string_view to, int64_t count) {
  std::string out;
  if (from.empty()) {  // Python inserts `to` before every code point and at the end
    const auto offsets = code_point_offsets(s);
    int64_t done = 0;
    for (size_t i = 0; i + 1 < offsets.size(); ++i) {
      if (count < 0 || done < count) {
        out += to;
        ++done;
      }
      out.append(s.substr(offsets[i], offsets[i + 1] - offsets[i]));
    }
    if (count < 0 || done < count) out += to;
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t hit = s.find(from, start);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(start, hit - start));
    out += to;
    start = hit + from.size();
    ++done;
  }
  out.append(s.substr(start));
  return out;
}

int64_t python_count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(code_point_count(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return n;
}

int64_t python_find(std::string_view s, std::string_view sub, bool reverse) {
  const size_t hit = reverse ? s.rfind(sub) : s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(code_point_count(s.substr(0, hit)));
}

}  // namespace edgeserve::tmpl
