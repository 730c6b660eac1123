#pragma once
// Renderer: walks the syntax tree against a scope chain and writes the output. Owns the resource
// limits (output size, evaluation steps, call depth, collection sizes) that keep a hostile template to
// bounded time and memory; every breach is a TemplateError, never a crash.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "engine/template/ast.h"
#include "engine/template/value.h"

namespace edgeserve::tmpl {

struct RenderLimits {
  size_t max_output_bytes = 32u << 20;   // any rendered text or string value
  size_t max_collection_items = 1u << 20;  // any list/dict built by the template
  uint64_t max_steps = 20'000'000;       // statements + expression nodes evaluated
  size_t max_total_bytes = 512u << 20;   // all strings and collections made by operations, cumulative
  int max_call_depth = 64;               // nested macro calls and evaluation recursion
};

using Clock = std::function<std::chrono::system_clock::time_point()>;

// Variables of one frame. Loop bodies and macro calls open a child scope, as jinja2 does: assignments
// inside them do not leak out, and each loop iteration starts from the outer values.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent = nullptr) : parent_(std::move(parent)) {}
  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value value) { vars_[name] = std::move(value); }

 private:
  std::shared_ptr<Scope> parent_;
  std::unordered_map<std::string, Value> vars_;
};

class Renderer {
 public:
  Renderer(const RenderLimits& limits, Clock clock) : limits_(limits), clock_(std::move(clock)) {}
  ~Renderer();  // clears every namespace made, so reference cycles through them cannot leak
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  std::string render(const Body& body, const std::shared_ptr<Scope>& globals);

  Value eval(const Expr& e, const std::shared_ptr<Scope>& scope);
  Value call(const Value& fn, CallArgs& args);
  std::vector<Value> iterate(const Value& v);  // Python iter() for templates: dict keys, str code points
  Value new_namespace();

  // Accounting: throw TemplateError when a limit is exceeded.
  void charge_step();
  void check_string_size(size_t bytes) const;
  void charge_memory(size_t bytes);  // cumulative bytes of strings/collections made by operations
  void check_collection_size(size_t items) const;
  const RenderLimits& limits() const { return limits_; }
  std::chrono::system_clock::time_point now() const { return clock_ ? clock_() : std::chrono::system_clock::now(); }

 private:
  enum class Flow { Normal, Break, Continue };
  struct CallDepthGuard {
    Renderer& r;
    explicit CallDepthGuard(Renderer& renderer);
    ~CallDepthGuard() { --r.depth_; }
  };

  Flow exec(const Body& body, const std::shared_ptr<Scope>& scope, std::string& out);
  Flow exec_for(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string& out);
  void exec_set(const Stmt& s, const std::shared_ptr<Scope>& scope, Value value);
  Value make_macro(const Stmt& s, const std::shared_ptr<Scope>& scope);
  void append_output(std::string& out, std::string_view text) const;

  Value eval_attribute(const Expr& e, const std::shared_ptr<Scope>& scope);
  Value eval_subscript(const Expr& e, const std::shared_ptr<Scope>& scope);
  Value eval_slice(const Expr& e, const std::shared_ptr<Scope>& scope);
  Value eval_call(const Expr& e, const std::shared_ptr<Scope>& scope);
  CallArgs eval_args(const Expr& e, size_t first_child, const std::shared_ptr<Scope>& scope);

  const RenderLimits& limits_;
  Clock clock_;
  uint64_t steps_ = 0;
  size_t total_bytes_ = 0;
  int depth_ = 0;
  int call_depth_ = 0;
  std::vector<Value> namespaces_;
};


}  // namespace edgeserve::tmpl
