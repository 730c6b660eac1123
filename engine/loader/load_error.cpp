// quote_name: printable rendering of untrusted names for error messages.
#include "engine/loader/load_error.h"

#include <cstdio>

#include "engine/util/utf8.h"

namespace edgeserve {

std::string quote_name(std::string_view name) {
  constexpr size_t kMaxShown = 200;
  const bool cut = name.size() > kMaxShown;
  std::string_view shown = cut ? name.substr(0, kMaxShown) : name;
  std::string out = "'";
  const bool valid = utf8::is_valid(shown);
  for (unsigned char c : shown) {
    if (c < 0x20 || c == 0x7f || (!valid && c >= 0x80)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += cut ? "'..." : "'";
  return out;
}

}  // namespace edgeserve
