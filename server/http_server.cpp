#include "server/http_server.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <spdlog/spdlog.h>

#include "server/completion_handlers.h"
#include "server/http_routes.h"
#include "version.h"

namespace edgeserve {
namespace {

// cpp-httplib 0.11 (Debian) listens with a backlog of 5, compiled into the library: 50 users connecting at
// once would see dropped SYNs and one-second retries. listen() on a listening socket only updates its backlog,
// so find ours (a listening TCP socket on our port) and raise it.
void raise_listen_backlog(int port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
    int bound = -1;
    if (addr.ss_family == AF_INET) bound = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port) listen(fd, 1024);
  }
}

}  // namespace

bool constant_time_equals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

HttpServer::HttpServer(const ServeOptions& options, int worker_threads) : options_(options) {
  server_.new_task_queue = [worker_threads] { return new httplib::ThreadPool(static_cast<size_t>(worker_threads)); };
  server_.set_payload_max_length(static_cast<size_t>(options.max_body_bytes));
  server_.set_read_timeout(options.read_timeout_seconds, 0);
  server_.set_write_timeout(30, 0);
  server_.set_keep_alive_timeout(30);
  install_middleware();
  install_routes();
}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::bind() {
  port_ = options_.port;
  if (!server_.bind_to_port(options_.host.c_str(), options_.port)) {
    spdlog::error("cannot listen on {}:{} (in use, or not a local address)", options_.host, options_.port);
    return false;
  }
  raise_listen_backlog(port_);
  return true;
}

void HttpServer::run() { server_.listen_after_bind(); }
void HttpServer::stop() { server_.stop(); }

void HttpServer::set_ready(ServingContext* context) {
  context_.store(context);
  state_.store(ServerState::kReady);
}

void HttpServer::begin_drain() { state_.store(ServerState::kDraining); }

int64_t HttpServer::in_flight() const {
  const ServingContext* c = context_.load();
  return c == nullptr ? 0 : c->admitted.load();
}

bool HttpServer::authorized(const httplib::Request& req) const {
  if (options_.api_keys.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) return false;
  const std::string key = header.substr(prefix.size());
  bool ok = false;
  for (const auto& k : options_.api_keys) ok |= constant_time_equals(key, k);   // no early exit either
  return ok;
}

ServingContext* HttpServer::ready_context(httplib::Response& res) const {
  switch (state_.load()) {
    case ServerState::kLoading:
      send_error(res, 503, "service_unavailable", "the model is still loading");
      return nullptr;
    case ServerState::kDraining:
      send_error(res, 503, "service_unavailable", "the server is shutting down");
      return nullptr;
    case ServerState::kReady:
      break;
  }
  return context_.load();
}

void HttpServer::install_middleware() {
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // CORS: answer for allowed origins; preflight needs no key.
    const std::string origin = req.get_header_value("Origin");
    bool origin_allowed = false;
    for (const auto& o : options_.allowed_origins) origin_allowed |= o == "*" || o == origin;
    if (!origin.empty() && origin_allowed) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
      if (req.method == "OPTIONS") {
        res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
        res.set_header("Access-Control-Max-Age", "600");
        res.status = 204;
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    const bool public_path = req.path == "/health" || req.path == "/metrics" || req.path == "/version";
    if (!public_path && !authorized(req)) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "authentication_error", "invalid or missing API key", std::nullopt, "invalid_api_key");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Statuses httplib produces itself (404 no route, 413 body too large, 400 bad request line) get the
  // OpenAI error object too.
  server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404: send_error(res, 404, "invalid_request_error", "no route for " + req.method + " " + req.path); break;
      case 413: send_error(res, 413, "invalid_request_error", "the request body is too large"); break;
      case 414: send_error(res, 414, "invalid_request_error", "the request URI is too long"); break;
      default:
        send_error(res, res.status, res.status >= 500 ? "server_error" : "invalid_request_error",
                   "request failed with status " + std::to_string(res.status));
    }
  });
  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("handler failed: {}", what);
    send_error(res, 500, "server_error", "internal error");
  });
}

void HttpServer::install_routes() {
  RouteTable routes{server_, [this](httplib::Response& res) { return ready_context(res); }, state_};
  register_routes(routes);
}

}  // namespace edgeserve
