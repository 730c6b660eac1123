#pragma once
// A real cpp-httplib server on 127.0.0.1 (ephemeral port) for the bench serve end-to-end tests. It streams
// canned OpenAI SSE chunks with fixed sleeps between them, so the client's TTFT and ITL have known lower
// bounds, and offers failure routes (HTTP 503, an in-stream error, a stream without [DONE], a stall).
// It is a test server, not a stand-in for edgeserve's server: the client must work against any server.
#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace edgeserve::test {

class LoopbackSseServer {
 public:
  static constexpr int kFirstTokenDelayMs = 60;  // before the first content chunk
  static constexpr int kTokenGapMs = 25;         // between content chunks
  static constexpr int kNumTokens = 4;
  static constexpr int kPromptOverhead = 5;      // "template" tokens added to the word count in usage

  LoopbackSseServer() {
    server_.Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"object":"list","data":[{"id":"tiny-test","object":"model"}]})", "application/json");
    });
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      stream_tokens(req, res, /*chat=*/true, /*error_after_first=*/false, /*send_done=*/true);
    });
    server_.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
      stream_tokens(req, res, /*chat=*/false, false, true);
    });
    server_.Post("/midstream/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      stream_tokens(req, res, true, /*error_after_first=*/true, true);
    });
    server_.Post("/nodone/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      stream_tokens(req, res, true, false, /*send_done=*/false);
    });
    server_.Post("/busy/chat/completions", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_content(R"({"error":{"message":"server busy","type":"server_error","code":503}})",
                      "application/json");
    });
    server_.Post("/stall/chat/completions", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
      res.set_content("data: [DONE]\n\n", "text/event-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~LoopbackSseServer() {
    server_.stop();
    thread_.join();
  }
  LoopbackSseServer(const LoopbackSseServer&) = delete;
  LoopbackSseServer& operator=(const LoopbackSseServer&) = delete;

  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  std::vector<nlohmann::json> received_bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }
  int max_in_flight() const { return max_in_flight_.load(); }

 private:
  static int count_words(const std::string& text) {
    std::istringstream words(text);
    std::string word;
    int count = 0;
    while (words >> word) ++count;
    return count;
  }

  // Splits each event in two writes, so the client sees SSE events cut across reads as well.
  void stream_tokens(const httplib::Request& req, httplib::Response& res, bool chat, bool error_after_first,
                     bool send_done) {
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    int prompt_words = 0;
    if (body.is_object()) {
      prompt_words = chat ? count_words(body["messages"][0]["content"].get<std::string>())
                          : count_words(body["prompt"].get<std::string>());
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      bodies_.push_back(body);
    }
    res.set_chunked_content_provider("text/event-stream", [=, this](size_t, httplib::DataSink& sink) {
      int now_in_flight = ++in_flight_;
      int seen = max_in_flight_.load();
      while (now_in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, now_in_flight)) {}
      auto write_event = [&](const std::string& data) {
        std::string event = "data: " + data + "\n\n";
        size_t half = event.size() / 2;
        sink.write(event.data(), half);
        sink.write(event.data() + half, event.size() - half);
      };
      auto piece = [&](int i) {
        nlohmann::json choice = chat ? nlohmann::json{{"index", 0}, {"delta", {{"content", "t" + std::to_string(i)}}}}
                                     : nlohmann::json{{"index", 0}, {"text", "t" + std::to_string(i)}};
        return nlohmann::json{{"choices", {choice}}}.dump();
      };
      if (chat) write_event(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})");
      std::this_thread::sleep_for(std::chrono::milliseconds(kFirstTokenDelayMs));
      for (int i = 0; i < kNumTokens; ++i) {
        if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(kTokenGapMs));
        write_event(piece(i));
        if (error_after_first) {
          write_event(R"({"error":{"message":"engine failed","type":"server_error"}})");
          break;
        }
      }
      if (!error_after_first) {
        write_event(nlohmann::json{{"choices", nlohmann::json::array()},
                                   {"usage", {{"prompt_tokens", prompt_words + kPromptOverhead},
                                              {"completion_tokens", kNumTokens}}}}.dump());
        if (send_done) write_event("[DONE]");
      }
      --in_flight_;
      sink.done();
      return true;
    });
  }

  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<nlohmann::json> bodies_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

}  // namespace edgeserve::test
