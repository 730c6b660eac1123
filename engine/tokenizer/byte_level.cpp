#include "engine/tokenizer/byte_level.h"

#include "engine/util/utf8.h"

namespace edgeserve::tokenizer {
namespace {

// The GPT-2 table: printable Latin-1 bytes stand for themselves, the other 68 bytes take code points from
// U+0100 upwards in byte order.
struct Tables {
  std::array<std::string, 256> to_unicode;
  std::array<int16_t, 512> from_code_point;  // code point (< 512) -> byte, -1 when not in the alphabet

  Tables() {
    from_code_point.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const char32_t cp = printable ? static_cast<char32_t>(b) : next++;
      utf8::append(to_unicode[b], cp);
      from_code_point[cp] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() { return tables().to_unicode; }

std::string byte_level_encode(std::string_view raw) {
  const auto& t = tables().to_unicode;
  std::string out;
  out.reserve(raw.size() * 2);
  for (const char c : raw) out += t[static_cast<uint8_t>(c)];
  return out;
}

bool byte_level_decode(std::string_view mapped, std::string& out) {
  const auto& from = tables().from_code_point;
  for (size_t pos = 0; pos < mapped.size();) {
    char32_t cp = 0;
    size_t len = 0;
    if (!utf8::decode(mapped, pos, cp, len)) return false;
    if (cp >= from.size() || from[cp] < 0) return false;
    out += static_cast<char>(from[cp]);
    pos += len;
  }
  return true;
}

}  // namespace edgeserve::tokenizer
