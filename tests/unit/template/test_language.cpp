// Language features, one snippet at a time, against jinja2 in transformers' environment (the
// reference outputs in tests/fixtures/templates/language.json, made by scripts/gen_template_golden.py),
// plus parse errors, which name the origin, line and column.
#include <catch2/catch.hpp>

#include "engine/template/chat_template.h"
#include "tests/test_paths.h"
#include "tests/unit/template/template_test_util.h"

namespace edgeserve::test {

TEST_CASE("language snippets render as jinja2 renders them", "[template][language]") {
  const auto fixture = nlohmann::ordered_json::parse(read_text_file(fixtures_dir() + "/templates/language.json"));
  REQUIRE(fixture.at("cases").size() >= 50);
  for (const auto& c : fixture.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    INFO("snippet " << name << ": " << c.at("template").get<std::string>());
    const std::string vars = c.at("vars").dump();
    if (c.contains("expected")) {
      try {
        CHECK(render_source(c.at("template").get<std::string>(), R"([{"role":"user","content":"hi"}])", vars) ==
              c.at("expected").get<std::string>());
      } catch (const TemplateError& e) {
        FAIL_CHECK("unexpected TemplateError: " << e.what());
      }
    } else {
      const std::string expected_error = c.at("error").get<std::string>();
      try {
        const std::string got = render_source(c.at("template").get<std::string>(), R"([{"role":"user","content":"hi"}])", vars);
        FAIL_CHECK("expected error '" << expected_error << "', rendered: " << got);
      } catch (const TemplateError& e) {
        CHECK(std::string(e.what()) == expected_error);
      }
    }
  }
}

TEST_CASE("templates that do not parse throw at load with origin, line and column", "[template][language]") {
  struct Case {
    const char* source;
    const char* fault;  // expected at the end of the message
    int line;
    int column;
  };
  const Case cases[] = {
      {"{% if x %}never closed", "Jinja was looking for the following tags: 'elif' or 'else' or 'endif'.", 1, 23},
      {"a\n{{ x + }}", "unexpected end of print statement", 2, 8},
      {"a\nb {% for x in %}{% endfor %}", "Expected an expression, got end of statement block", 2, 15},
      {"{{ x | nosuchfilter }}", "No filter named 'nosuchfilter'.", 1, 8},
      {"{{ x is nosuchtest }}", "No test named 'nosuchtest'.", 1, 9},
      {"{% frobnicate %}", "Encountered unknown tag 'frobnicate'.", 1, 4},
      {"{# unterminated comment", "Missing end of comment tag", 1, 1},
      {"{{ 'unterminated }}", "unexpected char '''", 1, 4},
      {"{{ (1, 2]) }}", "unexpected ']', expected ')'", 1, 9},
      {"{% break %}", "'break' is not inside a loop", 1, 4},
      {"{{ x", "unexpected end of template, expected '}}'", 1, 1},
      {"{% endfor %}", "Encountered unknown tag 'endfor'.", 1, 4},
      {"{% macro f(a=1, b) %}{% endmacro %}", "non-default argument follows default argument", 1, 18},
  };
  for (const Case& c : cases) {
    INFO(c.source);
    try {
      ChatTemplate::parse(c.source, "bad.jinja");
      FAIL_CHECK("parsed without error");
    } catch (const TemplateSyntaxError& e) {
      const std::string msg = e.what();
      CHECK(msg.rfind("bad.jinja:", 0) == 0);
      CHECK(msg.size() >= std::string(c.fault).size());
      CHECK(msg.substr(msg.size() - std::string(c.fault).size()) == c.fault);
      CHECK(e.line() == c.line);
      CHECK(e.column() == c.column);
    }
  }
}

TEST_CASE("parsing is bounded for deeply nested input", "[template][language]") {
  // Reference: a stack-safe parser must reject, not crash on, pathological nesting.
  std::string deep_parens = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  CHECK_THROWS_AS(ChatTemplate::parse(deep_parens, "deep"), TemplateSyntaxError);
  std::string deep_ifs;
  for (int i = 0; i < 2000; ++i) deep_ifs += "{% if true %}";
  CHECK_THROWS_AS(ChatTemplate::parse(deep_ifs, "deep"), TemplateSyntaxError);
  std::string deep_not = "{{ " + std::string(0, ' ');
  for (int i = 0; i < 5000; ++i) deep_not += "not ";
  deep_not += "1 }}";
  CHECK_THROWS_AS(ChatTemplate::parse(deep_not, "deep"), TemplateSyntaxError);
  // Moderate nesting (as real templates have) parses and renders.
  CHECK(render_source("{{ " + std::string(20, '(') + "1" + std::string(20, ')') + " }}") == "1");
}

TEST_CASE("render inputs: special tokens, kwargs and message preprocessing follow apply_chat_template", "[template][language]") {
  // Reference: transformers' _normalize_chat_messages (None-valued keys dropped) and
  // _alias_reasoning_fields (reasoning copied to "thinking" first and "reasoning_content").
  const std::string src = "{% for m in messages %}{{ m|tojson }}|{% endfor %}{{ bos_token is defined }}{{ tools }}{{ documents }}{{ flag }}";
  ChatTemplate t = ChatTemplate::parse(src, "inputs");
  ChatTemplateInputs in;
  in.messages = nlohmann::ordered_json::parse(
      R"([{"role":"user","content":"q","name":null},{"role":"assistant","content":"a","reasoning":"r"}])");
  in.extra_kwargs = {{"flag", 7}};
  CHECK(t.render(in) ==
        R"({"role": "user", "content": "q"}|{"thinking": "r", "role": "assistant", "content": "a", "reasoning": "r", "reasoning_content": "r"}|FalseNoneNone7)");
  in.messages = nlohmann::ordered_json::array();
  CHECK_THROWS_AS(t.render(in), TemplateError);
  in.messages = nlohmann::ordered_json::parse(R"([{"role":"user","content":"q"}])");
  in.extra_kwargs = {{"messages", 1}};
  CHECK_THROWS_AS(t.render(in), TemplateError);
}

}  // namespace edgeserve::test
