#pragma once
// One streaming OpenAI request from the load generator: builds the JSON body, POSTs it with cpp-httplib,
// parses the SSE stream as it arrives and timestamps every output-text chunk (see metrics.h for what the
// times mean). A failed request is returned as a RequestOutput with error_kind, never thrown: one bad
// request must not abort a run. It owns no threads and keeps no connection between requests (one
// connection per request, so a server that closes idle connections cannot fail the next request).
#include <cstdint>
#include <string>

#include "server/bench/metrics.h"

namespace edgeserve::bench {

enum class EndpointKind { kChatCompletions, kCompletions };

// "http://host:port/v1" split into what httplib connects to and the path the endpoints hang from.
struct ServerEndpoint {
  std::string origin;       // scheme://host[:port], e.g. "http://127.0.0.1:8000"
  std::string path_prefix;  // e.g. "/v1", without trailing slash; may be empty
};
// Throws std::invalid_argument naming --base-url and the fault (no scheme, unsupported scheme, no host).
ServerEndpoint parse_base_url(const std::string& base_url);

struct ClientSettings {
  ServerEndpoint endpoint;
  std::string api_key;       // sent as "Authorization: Bearer KEY" when not empty
  double timeout_s = 600.0;  // per request, from send to last byte
};

struct RequestSpec {
  EndpointKind endpoint = EndpointKind::kChatCompletions;
  std::string model;
  std::string prompt;
  int64_t prompt_words = 0;
  int64_t max_tokens = 128;
  double temperature = 0.0;
  bool ignore_eos = true;
};

// The JSON body: stream with usage, max_tokens (and max_completion_tokens for chat), ignore_eos, temperature.
std::string build_request_body(const RequestSpec& spec);

// Sends the request and waits for the whole stream. Times are from just before the request is written.
RequestOutput send_streaming_request(const ClientSettings& settings, const RequestSpec& spec);

// GET {base}/models and return data[0].id; throws std::runtime_error naming the URL and fault.
std::string fetch_first_model_id(const ClientSettings& settings);

}  // namespace edgeserve::bench
