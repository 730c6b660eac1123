#pragma once
// Shared helpers of the template tests: reading files, rendering a source string, the fixed clock the
// golden fixtures were generated with (strftime_now -> 2026-07-26 12:00:00 local time).
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "engine/template/chat_template.h"

namespace edgeserve::test {

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path + " (set EDGESERVE_SHARED_DIR if ../shared lives elsewhere)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::chrono::system_clock::time_point golden_now() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 6;
  tm.tm_mday = 26;
  tm.tm_hour = 12;
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

// Renders `source` with `messages` (JSON text) and optional extra kwargs (JSON object text).
inline std::string render_source(const std::string& source, const std::string& messages = R"([{"role":"user","content":"hi"}])",
                                 const std::string& kwargs = "{}", bool add_generation_prompt = false) {
  ChatTemplate t = ChatTemplate::parse(source, "test");
  ChatTemplateInputs in;
  in.messages = nlohmann::ordered_json::parse(messages);
  in.extra_kwargs = nlohmann::ordered_json::parse(kwargs);
  in.add_generation_prompt = add_generation_prompt;
  in.clock = golden_now;
  return t.render(in);
}

}  // namespace edgeserve::test
