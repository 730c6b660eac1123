#pragma once
// LoadError: the one exception type the model-file loaders throw. Its message always starts with the file
// (or source name) and then names the exact fault, e.g.
//   "model.gguf: tensor 'blk.0.attn_q.weight': offset 123 + size 456 past end of file (data section 400 bytes)".
// Callers at start-up print it and exit non-zero; fuzzers catch it.
#include <stdexcept>
#include <string>
#include <string_view>

namespace edgeserve {

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws LoadError("<source>: <fault>").
[[noreturn]] inline void throw_load_error(std::string_view source, std::string_view fault) {
  std::string message;
  message.reserve(source.size() + 2 + fault.size());
  message.append(source).append(": ").append(fault);
  throw LoadError(message);
}

// 'name' quoted for messages, with control and invalid bytes made visible so a hostile name cannot forge
// a misleading message. Long names are cut.
std::string quote_name(std::string_view name);

}  // namespace edgeserve
