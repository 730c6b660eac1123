#pragma once
// HttpServer: cpp-httplib set up as the OpenAI-compatible front door. Owns the listening server, its worker
// pool (one thread per open request: sized for every running and queued choice), the middleware (API keys
// compared in constant time, CORS with preflight, body limit, timeouts) and the routes. Generation goes
// through the ServingContext once the model is ready: before that /health answers 503, and so does every
// model route; after begin_drain() new requests get 503 while in-flight ones finish.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <httplib.h>

#include "server/serving_context.h"

namespace edgeserve {

enum class ServerState { kLoading, kReady, kDraining };

class HttpServer {
 public:
  // `worker_threads`: the pool size (at least every choice that may be admitted, plus a margin).
  HttpServer(const ServeOptions& options, int worker_threads);
  ~HttpServer();

  // Binds host:port; false (with a logged reason) when it cannot.
  bool bind();
  int port() const { return port_; }
  // Serves until stop(); call from one thread.
  void run();
  // The model is loaded: start answering model routes.  kLoading -> kReady
  void set_ready(ServingContext* context);
  // SIGTERM: new requests get 503; in-flight ones continue.  kReady -> kDraining
  void begin_drain();
  void stop();
  ServerState state() const { return state_.load(); }
  // Admitted choices still in flight (0 before the model is ready).
  int64_t in_flight() const;

 private:
  void install_middleware();
  void install_routes();
  bool authorized(const httplib::Request& req) const;
  // The context when ready; otherwise answers 503 and returns null.
  ServingContext* ready_context(httplib::Response& res) const;

  const ServeOptions& options_;
  httplib::Server server_;
  int port_ = 0;
  std::atomic<ServerState> state_{ServerState::kLoading};
  std::atomic<ServingContext*> context_{nullptr};
};

// Constant-time string equality (the comparison does not stop at the first differing byte).
bool constant_time_equals(const std::string& a, const std::string& b);

}  // namespace edgeserve
