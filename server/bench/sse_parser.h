#pragma once
// Incremental Server-Sent Events parser (WHATWG "event stream" rules, the subset OpenAI streams use):
// bytes arrive in arbitrary pieces; lines end in LF, CRLF or CR; `data:` lines of one event are joined with
// "\n"; a blank line dispatches the event; `:` comment lines and unknown fields are ignored.
// It owns only the partial line/event buffers. It must not interpret the payload (see stream_chunk.h) and
// must not grow without bound on a malformed stream: an event larger than the limit is a parse fault.
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace edgeserve::bench {

struct SseEvent {
  std::string event;  // the `event:` field, empty when absent
  std::string data;   // `data:` lines joined with "\n"
};

class SseParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SseParser {
 public:
  using EventCallback = std::function<void(const SseEvent&)>;

  // max_event_bytes bounds the buffered line plus event data; exceeding it throws SseParseError.
  explicit SseParser(size_t max_event_bytes = size_t{16} << 20) : max_event_bytes_(max_event_bytes) {}

  // Consumes the next piece of the stream; calls on_event for every event completed by these bytes.
  void feed(std::string_view bytes, const EventCallback& on_event);

  // True when bytes of an unfinished line or event are buffered (a stream that ends here was cut short).
  bool has_partial_event() const { return !line_.empty() || has_data_ || !event_.event.empty(); }

 private:
  void process_line(const EventCallback& on_event);

  size_t max_event_bytes_;
  std::string line_;           // the current, unterminated line
  bool last_was_cr_ = false;   // a CR ended the previous line: an LF right after it belongs to the same break
  bool has_data_ = false;      // at least one `data:` line in the current event (data may be empty)
  SseEvent event_;             // the event being assembled
};

}  // namespace edgeserve::bench
