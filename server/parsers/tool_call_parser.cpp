#include "server/parsers/tool_call_parser.h"

#include <algorithm>

#include "server/response_builder.h"

namespace edgeserve {
namespace {

constexpr std::string_view kOpen = "<tool_call>";
constexpr std::string_view kClose = "</tool_call>";
constexpr std::string_view kPythonTag = "<|python_tag|>";

// Length of the longest suffix of `text` that is a proper prefix of `tag`.
size_t partial_tag_suffix(std::string_view text, std::string_view tag) {
  for (size_t k = std::min(tag.size() - 1, text.size()); k > 0; --k)
    if (text.substr(text.size() - k) == tag.substr(0, k)) return k;
  return 0;
}

std::string_view trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

ToolCallFormat tool_call_format_for_template(std::string_view source) {
  if (source.find("<tool_call>") != std::string_view::npos) return ToolCallFormat::kHermes;
  if (source.find("<|python_tag|>") != std::string_view::npos || source.find("ipython") != std::string_view::npos)
    return ToolCallFormat::kLlama3Json;
  return ToolCallFormat::kHermes;
}

ToolCallParser::ToolCallParser(ToolCallFormat format, bool parallel) : format_(format), parallel_(parallel) {}

void ToolCallParser::release_content(std::string text, ToolCallDelta& out) {
  // After a call, the whitespace between calls is not content.
  if (!calls_.empty() && trim(text).empty()) return;
  out.content += text;
}

bool ToolCallParser::take_call(std::string_view json_text, const char* arguments_key, ToolCallDelta& out) {
  const nlohmann::json j = nlohmann::json::parse(trim(json_text), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("name") || !j["name"].is_string()) return false;
  nlohmann::json args = j.contains(arguments_key) ? j[arguments_key] : j.value("arguments", nlohmann::json::object());
  if (args.is_string()) {   // some models write the arguments as a JSON string
    nlohmann::json parsed = nlohmann::json::parse(args.get<std::string>(), nullptr, false);
    if (!parsed.is_discarded()) args = parsed;
  }
  if (!args.is_object()) return false;
  if (!parallel_ && !calls_.empty()) return true;   // parsed, but only the first call is kept
  ParsedToolCall call{make_response_id("call_"), j["name"].get<std::string>(),
                      args.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  const auto index = static_cast<int64_t>(calls_.size());
  out.tool_calls.push_back({{"index", index},
                            {"id", call.id},
                            {"type", "function"},
                            {"function", {{"name", call.name}, {"arguments", ""}}}});
  out.tool_calls.push_back({{"index", index}, {"function", {{"arguments", call.arguments}}}});
  calls_.push_back(std::move(call));
  return true;
}

void ToolCallParser::add_hermes(ToolCallDelta& out, bool at_end) {
  while (true) {
    if (!in_call_) {
      const size_t open = buffer_.find(kOpen);
      if (open == std::string::npos) {
        const size_t hold = at_end ? 0 : partial_tag_suffix(buffer_, kOpen);
        release_content(buffer_.substr(0, buffer_.size() - hold), out);
        buffer_.erase(0, buffer_.size() - hold);
        return;
      }
      release_content(buffer_.substr(0, open), out);
      buffer_.erase(0, open + kOpen.size());
      in_call_ = true;
    }
    const size_t close = buffer_.find(kClose);
    if (close == std::string::npos) {
      if (!at_end) return;   // wait for the rest of the block
      if (!take_call(buffer_, "arguments", out)) release_content(std::string(kOpen) + buffer_, out);
      buffer_.clear();
      in_call_ = false;
      return;
    }
    const std::string body = buffer_.substr(0, close);
    if (!take_call(body, "arguments", out)) release_content(std::string(kOpen) + body + std::string(kClose), out);
    buffer_.erase(0, close + kClose.size());
    in_call_ = false;
  }
}

void ToolCallParser::add_llama(ToolCallDelta& out, bool at_end) {
  if (!llama_decided_) {
    const std::string_view t = trim(buffer_);
    if (t.empty() && !at_end) return;
    // Not yet sure: a prefix of <|python_tag|> may still complete.
    if (!at_end && t.size() < kPythonTag.size() && kPythonTag.substr(0, t.size()) == t) return;
    llama_decided_ = true;
    llama_json_ = !t.empty() && (t.front() == '{' || t.substr(0, kPythonTag.size()) == kPythonTag);
  }
  if (!llama_json_) {
    out.content += buffer_;
    buffer_.clear();
    return;
  }
  if (!at_end) return;   // the whole answer is needed to know it is calls
  std::string_view t = trim(buffer_);
  if (t.substr(0, kPythonTag.size()) == kPythonTag) t = trim(t.substr(kPythonTag.size()));
  ToolCallDelta calls;
  bool all = !t.empty();
  size_t start = 0;
  while (all && start < t.size()) {   // objects separated by ';'
    size_t end = t.find(';', start);
    if (end == std::string_view::npos) end = t.size();
    all = take_call(t.substr(start, end - start), "parameters", calls);
    start = end + 1;
  }
  if (all) {
    out.tool_calls = std::move(calls.tool_calls);
  } else {
    calls_.clear();
    out.content += buffer_;
  }
  buffer_.clear();
}

ToolCallDelta ToolCallParser::add(std::string_view text) {
  ToolCallDelta out;
  buffer_.append(text);
  if (format_ == ToolCallFormat::kHermes)
    add_hermes(out, false);
  else
    add_llama(out, false);
  return out;
}

ToolCallDelta ToolCallParser::finish() {
  ToolCallDelta out;
  if (format_ == ToolCallFormat::kHermes)
    add_hermes(out, true);
  else
    add_llama(out, true);
  return out;
}

}  // namespace edgeserve
