// Global functions of the chat-template environment (transformers' _compile_jinja_template).
#include "engine/template/globals.h"

#include <ctime>

#include "engine/template/call_args.h"
#include "engine/template/template_error.h"

namespace edgeserve::tmpl {

namespace {

constexpr int64_t kMaxRange = 100000;  // jinja2.sandbox.MAX_RANGE

Value fn_range(Renderer& r, CallArgs& args) {
  if (!args.named.empty()) throw TemplateError("range() takes no keyword arguments");
  if (args.positional.empty() || args.positional.size() > 3)
    throw TemplateError("range expected at most 3 arguments, got " + std::to_string(args.positional.size()));
  for (const Value& v : args.positional)
    if (!v.is_integral()) throw TemplateError("'" + type_name(v) + "' object cannot be interpreted as an integer");
  int64_t start = 0, stop = 0, step = 1;
  if (args.positional.size() == 1) {
    stop = args.positional[0].as_int();
  } else {
    start = args.positional[0].as_int();
    stop = args.positional[1].as_int();
    if (args.positional.size() == 3) step = args.positional[2].as_int();
  }
  if (step == 0) throw TemplateError("range() arg 3 must not be zero");
  const double count = step > 0 ? (static_cast<double>(stop) - start) / step : (static_cast<double>(start) - stop) / -step;
  if (count > kMaxRange)
    throw TemplateError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  List out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.emplace_back(i);
  r.charge_memory(out.size() * sizeof(Value));
  return Value::list(std::move(out));
}

void check_namespace_name(const Value& key) {
  if (key.is_string() && !key.as_string().empty() && key.as_string()[0] == '_')
    throw TemplateError("Chat templates cannot store underscore-prefixed attributes on a namespace, but got " +
                        repr(key) + ". Please rename the attribute.");
}

// dict(mapping or pairs, **kwargs): the shared body of namespace() and dict().
Value build_mapping(Renderer& r, CallArgs& args, Value out, const char* name) {
  if (args.positional.size() > 1) throw TemplateError(std::string(name) + " expected at most 1 argument, got " + std::to_string(args.positional.size()));
  if (!args.positional.empty()) {
    const Value& init = args.positional[0];
    if (init.is_dict()) {
      for (const auto& [k, v] : init.entries().items) out.entries().set(k, v);
    } else {
      for (const Value& pair : r.iterate(init)) {
        if (!pair.is_sequence_like() || pair.items().size() != 2)
          throw TemplateError("dictionary update sequence element has wrong length; 2 is required");
        out.entries().set(pair.items()[0], pair.items()[1]);
      }
    }
  }
  for (const auto& [k, v] : args.named) out.entries().set(Value(k), v);
  return out;
}

Value fn_namespace(Renderer& r, CallArgs& args) {
  Value ns = build_mapping(r, args, r.new_namespace(), "namespace");
  for (const auto& [k, v] : ns.entries().items) check_namespace_name(k);
  return ns;
}

Value fn_dict(Renderer& r, CallArgs& args) { return build_mapping(r, args, Value::dict(), "dict"); }

Value fn_raise_exception(Renderer&, CallArgs& args) {
  ArgReader a("raise_exception", args, 1);
  const Value& message = a.require(0, "message");
  a.finish();
  throw TemplateError(to_str(message));
}

Value fn_strftime_now(Renderer& r, CallArgs& args) {
  ArgReader a("strftime_now", args, 1);
  const std::string format = a.get_string(0, "format", "");
  a.finish();
  if (format.size() > 1024) throw TemplateError("strftime_now: format longer than 1024 bytes");
  const std::time_t t = std::chrono::system_clock::to_time_t(r.now());
  std::tm tm{};
  localtime_r(&t, &tm);  // datetime.now() is local time
  std::string out(format.size() * 32 + 64, '\0');
  const size_t n = std::strftime(out.data(), out.size(), format.c_str(), &tm);
  out.resize(n);
  return Value(std::move(out));
}

void bind(Scope& scope, const char* name, Value (*fn)(Renderer&, CallArgs&)) {
  auto callable = std::make_shared<Callable>();
  callable->name = name;
  callable->call = fn;
  scope.set(name, Value::callable(std::move(callable)));
}

}  // namespace

void add_globals(Scope& scope) {
  bind(scope, "range", fn_range);
  bind(scope, "namespace", fn_namespace);
  bind(scope, "dict", fn_dict);
  bind(scope, "raise_exception", fn_raise_exception);
  bind(scope, "strftime_now", fn_strftime_now);
}

void check_namespace_attribute(const std::string& name) { check_namespace_name(Value(name)); }

}  // namespace edgeserve::tmpl
