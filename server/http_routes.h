#pragma once
// The HTTP routes: /health, /version, /metrics, /v1/models[/{id}], /tokenize, /detokenize and the two
// generation endpoints (completion_handlers.h); a known path with the wrong method answers 405.
#include <atomic>
#include <functional>

#include <httplib.h>

#include "server/serving_context.h"

namespace edgeserve {

enum class ServerState;

struct RouteTable {
  httplib::Server& server;
  // The serving context when the model is ready; otherwise it has answered 503 and returns null.
  std::function<ServingContext*(httplib::Response&)> context;
  const std::atomic<ServerState>& state;
};

void register_routes(const RouteTable& routes);

}  // namespace edgeserve
