// Streaming request client: see request_client.h. Time is read with steady_clock at every SSE event, inside
// httplib's content receiver, so TTFT and ITL see chunks when their bytes arrive, not when the request ends.
#include "server/bench/request_client.h"

#include <chrono>
#include <stdexcept>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/bench/sse_parser.h"
#include "server/bench/stream_chunk.h"

namespace edgeserve::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

constexpr size_t kMaxErrorBodyBytes = 4096;

httplib::Headers request_headers(const ClientSettings& settings) {
  httplib::Headers headers;
  if (!settings.api_key.empty()) headers.emplace("Authorization", "Bearer " + settings.api_key);
  return headers;
}

void configure_client(httplib::Client& client, const ClientSettings& settings) {
  const auto timeout = std::chrono::duration<double>(settings.timeout_s);
  const auto timeout_us = std::chrono::duration_cast<std::chrono::microseconds>(timeout);
  client.set_connection_timeout(std::min(timeout_us, std::chrono::microseconds(30'000'000)));
  client.set_read_timeout(timeout_us);  // between bytes; the whole-request limit is checked per chunk
  client.set_write_timeout(timeout_us);
  client.set_keep_alive(false);
  // A compressed stream would be buffered by the compressor and arrive late: timings need the raw bytes.
  client.set_decompress(false);
}

// The message of an OpenAI error body ({"error": {"message": ...}}), else the body itself, shortened.
std::string error_body_message(const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded() && json.is_object() && json.contains("error")) {
    const nlohmann::json& error = json["error"];
    if (error.is_object() && error.contains("message") && error["message"].is_string()) {
      return error["message"].get<std::string>();
    }
    if (error.is_string()) return error.get<std::string>();
  }
  return body.size() > 300 ? body.substr(0, 300) + "..." : body;
}

}  // namespace

ServerEndpoint parse_base_url(const std::string& base_url) {
  const size_t scheme_end = base_url.find("://");
  if (scheme_end == std::string::npos) {
    throw std::invalid_argument("--base-url '" + base_url + "': expected scheme://host[:port][/path]");
  }
  const std::string scheme = base_url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    throw std::invalid_argument("--base-url '" + base_url + "': unsupported scheme '" + scheme +
                                "' (http or https)");
  }
  const size_t host_begin = scheme_end + 3;
  const size_t path_begin = base_url.find('/', host_begin);
  ServerEndpoint endpoint;
  endpoint.origin = base_url.substr(0, path_begin);
  if (endpoint.origin.size() == host_begin) {
    throw std::invalid_argument("--base-url '" + base_url + "': no host");
  }
  if (path_begin != std::string::npos) endpoint.path_prefix = base_url.substr(path_begin);
  while (!endpoint.path_prefix.empty() && endpoint.path_prefix.back() == '/') endpoint.path_prefix.pop_back();
  return endpoint;
}

std::string build_request_body(const RequestSpec& spec) {
  nlohmann::json body;
  body["model"] = spec.model;
  if (spec.endpoint == EndpointKind::kChatCompletions) {
    body["messages"] = nlohmann::json::array({{{"role", "user"}, {"content", spec.prompt}}});
    body["max_completion_tokens"] = spec.max_tokens;
  } else {
    body["prompt"] = spec.prompt;
  }
  body["max_tokens"] = spec.max_tokens;
  body["temperature"] = spec.temperature;
  body["ignore_eos"] = spec.ignore_eos;
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  return body.dump();
}

RequestOutput send_streaming_request(const ClientSettings& settings, const RequestSpec& spec) {
  RequestOutput out;
  out.prompt_words = spec.prompt_words;
  httplib::Client client(settings.endpoint.origin);
  configure_client(client, settings);

  httplib::Request request;
  request.method = "POST";
  request.path = settings.endpoint.path_prefix +
                 (spec.endpoint == EndpointKind::kChatCompletions ? "/chat/completions" : "/completions");
  request.headers = request_headers(settings);
  request.headers.emplace("Accept", "text/event-stream");
  request.headers.emplace("Accept-Encoding", "identity");
  request.body = build_request_body(spec);
  request.set_header("Content-Type", "application/json");

  SseParser parser;
  int status = -1;
  std::string error_body;
  bool saw_done = false;
  bool timed_out = false;
  std::string stream_fault;  // set when the stream itself is broken (bad JSON, error event, oversize)
  Clock::time_point send_time;
  Clock::time_point last_byte_time;
  Clock::time_point last_content_time;

  auto on_event = [&](const SseEvent& event) {
    if (saw_done || !stream_fault.empty()) return;
    const Clock::time_point now = Clock::now();
    StreamChunk chunk = parse_stream_chunk(event.data);
    if (chunk.kind == ChunkKind::kDone) {
      saw_done = true;
    } else if (chunk.kind == ChunkKind::kError) {
      stream_fault = "error event: " + chunk.error_message;
    } else {
      if (!chunk.text.empty()) {
        if (out.num_content_chunks == 0) {
          out.ttft_s = seconds_between(send_time, now);
        } else {
          out.itl_s.push_back(seconds_between(last_content_time, now));
        }
        last_content_time = now;
        ++out.num_content_chunks;
      }
      if (chunk.usage) {
        out.prompt_tokens = chunk.usage->prompt_tokens;
        out.completion_tokens = chunk.usage->completion_tokens;
      }
    }
  };
  request.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    last_byte_time = Clock::now();
    if (seconds_between(send_time, last_byte_time) > settings.timeout_s) {
      timed_out = true;
      return false;
    }
    if (status != 200) {  // keep the start of an error body for the report
      const size_t room = kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, error_body.size());
      error_body.append(data, std::min(size, room));
      return true;
    }
    try {
      parser.feed(std::string_view(data, size), on_event);
    } catch (const std::exception& e) {
      stream_fault = e.what();
    }
    return stream_fault.empty();
  };

  send_time = Clock::now();
  last_byte_time = send_time;
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  client.send(request, response, error);
  out.e2el_s = seconds_between(send_time, last_byte_time);

  auto fail = [&](std::string kind, std::string message) {
    out.success = false;
    out.error_kind = std::move(kind);
    out.error_message = std::move(message);
    return out;
  };
  const bool read_timed_out =
      error == httplib::Error::Read && seconds_between(send_time, Clock::now()) >= settings.timeout_s;
  if (timed_out || read_timed_out) {
    return fail("timeout", "no complete response within " + std::to_string(settings.timeout_s) + " s");
  }
  if (!stream_fault.empty()) return fail("stream error", stream_fault);
  if (error != httplib::Error::Success) {
    if (status < 0) {
      return fail("connection",
                  settings.endpoint.origin + ": no response (httplib: " + httplib::to_string(error) + ")");
    }
    if (status == 200) return fail("stream error", "stream cut short: " + httplib::to_string(error));
  }
  if (status != 200) return fail("http " + std::to_string(status), error_body_message(error_body));
  if (!saw_done) {
    return fail("stream error", parser.has_partial_event() ? "stream ended inside an event"
                                                           : "stream ended without data: [DONE]");
  }
  if (out.num_content_chunks == 0) return fail("stream error", "no output text in the stream");
  out.success = true;
  return out;
}

std::string fetch_first_model_id(const ClientSettings& settings) {
  httplib::Client client(settings.endpoint.origin);
  configure_client(client, settings);
  const std::string url = settings.endpoint.origin + settings.endpoint.path_prefix + "/models";
  httplib::Result result = client.Get(settings.endpoint.path_prefix + "/models", request_headers(settings));
  if (!result) throw std::runtime_error("GET " + url + ": " + httplib::to_string(result.error()));
  if (result->status != 200) {
    throw std::runtime_error("GET " + url + ": HTTP " + std::to_string(result->status) + ": " +
                             error_body_message(result->body));
  }
  nlohmann::json json = nlohmann::json::parse(result->body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("data") || !json["data"].is_array() ||
      json["data"].empty() || !json["data"][0].is_object() || !json["data"][0].contains("id") ||
      !json["data"][0]["id"].is_string()) {
    throw std::runtime_error("GET " + url + ": no data[0].id in the model list; pass --model");
  }
  return json["data"][0]["id"].get<std::string>();
}

}  // namespace edgeserve::bench
