// Incremental SSE parser: see sse_parser.h. Line splitting is byte by byte so that a CR at the end of one
// piece and the LF at the start of the next count as one line break.
#include "server/bench/sse_parser.h"

namespace edgeserve::bench {

void SseParser::feed(std::string_view bytes, const EventCallback& on_event) {
  for (char c : bytes) {
    if (c == '\n' && last_was_cr_) {  // second half of a CRLF split across lines or pieces
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = false;
    if (c == '\r' || c == '\n') {
      last_was_cr_ = (c == '\r');
      process_line(on_event);
      line_.clear();
      continue;
    }
    line_.push_back(c);
    if (line_.size() + event_.data.size() > max_event_bytes_) {
      throw SseParseError("SSE stream: event larger than " + std::to_string(max_event_bytes_) + " bytes");
    }
  }
}

void SseParser::process_line(const EventCallback& on_event) {
  if (line_.empty()) {  // blank line: dispatch (an event without data lines is dropped, as the spec says)
    if (has_data_) on_event(event_);
    event_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line_.front() == ':') return;  // comment (keep-alive pings)
  std::string_view line = line_;
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) event_.data.push_back('\n');
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.event.assign(value);
  }
  // id, retry and unknown fields do not matter to a load generator.
}

}  // namespace edgeserve::bench
