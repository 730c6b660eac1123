#include "engine/util/utf8.h"

namespace edgeserve::utf8 {
namespace {

// Allowed range of the second byte for a given lead byte (the first continuation byte is the one the
// Unicode table restricts; the later ones are always 0x80..0xBF).
void second_byte_range(uint8_t lead, uint8_t& lo, uint8_t& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (lead == 0xE0) lo = 0xA0;
  else if (lead == 0xED) hi = 0x9F;
  else if (lead == 0xF0) lo = 0x90;
  else if (lead == 0xF4) hi = 0x8F;
}

// Length of the maximal valid prefix of the character starting at s[pos] (1 when the lead byte is
// invalid), and whether the full character is present and valid.
size_t scan(std::string_view s, size_t pos, bool& complete) {
  const auto lead = static_cast<uint8_t>(s[pos]);
  const size_t need = sequence_length(lead);
  complete = false;
  if (need == 0) return 1;
  if (need == 1) {
    complete = true;
    return 1;
  }
  uint8_t lo, hi;
  second_byte_range(lead, lo, hi);
  size_t i = 1;
  for (; i < need; ++i) {
    if (pos + i >= s.size()) return i;
    const auto b = static_cast<uint8_t>(s[pos + i]);
    const uint8_t l = (i == 1) ? lo : 0x80, h = (i == 1) ? hi : 0xBF;
    if (b < l || b > h) return i;
  }
  complete = true;
  return need;
}

}  // namespace

size_t sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool decode(std::string_view s, size_t pos, char32_t& cp, size_t& len) {
  bool complete = false;
  len = scan(s, pos, complete);
  if (!complete) return false;
  const auto lead = static_cast<uint8_t>(s[pos]);
  static constexpr uint8_t kLeadMask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  cp = lead & kLeadMask[len];
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[pos + i]) & 0x3F);
  return true;
}

bool is_valid(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    bool complete = false;
    const size_t n = scan(s, pos, complete);
    if (!complete) return false;
    pos += n;
  }
  return true;
}

size_t incomplete_suffix_length(std::string_view s) {
  // A pending character starts at most 3 bytes from the end.
  const size_t from = s.size() > 3 ? s.size() - 3 : 0;
  for (size_t pos = from; pos < s.size(); ++pos) {
    const auto b = static_cast<uint8_t>(s[pos]);
    if (b >= 0x80 && b <= 0xBF) continue;  // continuation byte: not a start
    bool complete = false;
    const size_t n = scan(s, pos, complete);
    if (!complete && pos + n == s.size() && sequence_length(b) > 1) return s.size() - pos;
  }
  return 0;
}

std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    bool complete = false;
    const size_t n = scan(s, pos, complete);
    if (complete) out.append(s.substr(pos, n));
    else out.append("\xEF\xBF\xBD");
    pos += n;
  }
  return out;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace edgeserve::utf8
