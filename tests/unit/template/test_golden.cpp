// Golden renderings: every case of tests/fixtures/templates/*.json (made by scripts/gen_template_golden.py
// with transformers 5.24 / jinja2 3.1.6, the reference) must render byte-identically, or raise a
// TemplateError whose message equals Python's exception message.
#include <catch2/catch.hpp>

#include <string>

#include "engine/template/chat_template.h"
#include "tests/test_paths.h"
#include "tests/unit/template/template_test_util.h"
#include "engine/loader/gguf_file.h"

namespace edgeserve::test {
namespace {

using nlohmann::ordered_json;

std::string template_source(const ordered_json& fixture) {
  const std::string origin = fixture.at("template").get<std::string>();
  if (origin.rfind("chat-templates/", 0) == 0) return read_text_file(shared_dir() + "/models/" + origin);
  REQUIRE(origin == "gguf:tokenizer.chat_template");
  const std::string model = default_model_path();
  if (model.empty()) FAIL("default model GGUF not found: run scripts/setup.sh or set EDGESERVE_DEFAULT_MODEL");
  const auto text = GgufFile::open(model).get_string("tokenizer.chat_template");
  if (!text) FAIL(model << ": no tokenizer.chat_template metadata");
  return *text;
}

void check_fixture(const std::string& name) {
  const std::string path = fixtures_dir() + "/templates/" + name + ".json";
  const ordered_json fixture = ordered_json::parse(read_text_file(path));
  const ChatTemplate tmpl = ChatTemplate::parse(template_source(fixture), fixture.at("template").get<std::string>());
  size_t num_passed = 0;
  const auto& cases = fixture.at("cases");
  for (const auto& c : cases) {
    ChatTemplateInputs in;
    in.messages = c.at("messages");
    if (c.contains("tools")) in.tools = c.at("tools");
    in.add_generation_prompt = c.at("add_generation_prompt").get<bool>();
    in.extra_kwargs = c.at("kwargs");
    if (in.extra_kwargs.contains("documents")) {  // render_jinja_template's own parameter, not a kwarg
      in.documents = in.extra_kwargs.at("documents");
      in.extra_kwargs.erase("documents");
    }
    if (!fixture.at("bos_token").is_null()) in.bos_token = fixture.at("bos_token").get<std::string>();
    if (!fixture.at("eos_token").is_null()) in.eos_token = fixture.at("eos_token").get<std::string>();
    in.clock = golden_now;
    const std::string case_name = c.at("name").get<std::string>();
    INFO(name << " case " << case_name);
    if (c.contains("expected")) {
      std::string got;
      try {
        got = tmpl.render(in);
      } catch (const TemplateError& e) {
        FAIL_CHECK("unexpected TemplateError: " << e.what());
        continue;
      }
      CHECK(got == c.at("expected").get<std::string>());
      if (got == c.at("expected").get<std::string>()) ++num_passed;
    } else {
      const std::string expected_error = c.at("error").get<std::string>();
      try {
        const std::string got = tmpl.render(in);
        FAIL_CHECK("expected error '" << expected_error << "', rendered:\n" << got);
      } catch (const TemplateError& e) {
        CHECK(std::string(e.what()) == expected_error);
        if (std::string(e.what()) == expected_error) ++num_passed;
      }
    }
  }
  WARN(name << ": " << num_passed << "/" << cases.size() << " golden cases pass");
  CHECK(cases.size() >= 25);
}

}  // namespace

TEST_CASE("golden: Qwen3-0.6B", "[template][golden]") { check_fixture("qwen3"); }
TEST_CASE("golden: Qwen2.5-7B-Instruct", "[template][golden]") { check_fixture("qwen2.5"); }
TEST_CASE("golden: QwQ-32B", "[template][golden]") { check_fixture("qwq"); }
TEST_CASE("golden: Llama-3.1-8B-Instruct", "[template][golden]") { check_fixture("llama3.1"); }
TEST_CASE("golden: Llama-3.2-3B-Instruct", "[template][golden]") { check_fixture("llama3.2"); }
TEST_CASE("golden: Llama-3.3-70B-Instruct", "[template][golden]") { check_fixture("llama3.3"); }
TEST_CASE("golden: SmolLM3-3B", "[template][golden]") { check_fixture("smollm3"); }
TEST_CASE("golden: Gemma-2-2b-it", "[template][golden]") { check_fixture("gemma2"); }
TEST_CASE("golden: Phi-3.5-mini-instruct", "[template][golden]") { check_fixture("phi3.5"); }
TEST_CASE("golden: Mistral-Nemo-Instruct-2407", "[template][golden]") { check_fixture("mistral-nemo"); }
TEST_CASE("golden: DeepSeek-R1-Distill-Qwen-32B", "[template][golden]") { check_fixture("deepseek-r1-distill"); }
TEST_CASE("golden: Hermes-3-Llama-3.1-8B tool_use", "[template][golden]") { check_fixture("hermes3"); }
TEST_CASE("golden: Granite-3.3-2B-Instruct", "[template][golden]") { check_fixture("granite3.3"); }
TEST_CASE("golden: SmolLM2-135M-Instruct (GGUF metadata)", "[template][golden]") { check_fixture("smollm2"); }

}  // namespace edgeserve::test
