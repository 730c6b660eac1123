#!/usr/bin/env python3
"""Golden renderings of real chat templates for the C++ template engine (tests/unit/template).

Renders each template with transformers' own chat-template path (the jinja2 environment of
transformers.utils.chat_template_utils, with the message preprocessing apply_chat_template does) and
writes tests/fixtures/templates/<name>.json: a header (template file, sha256, library versions, special
tokens, the fixed strftime_now date) and cases {messages, tools?, documents?, add_generation_prompt,
kwargs, expected | error}.

Needs: pip install -r scripts/requirements-fixtures.txt (transformers==5.24.0; torch is not needed here).
Run:   .venv/bin/python scripts/gen_template_golden.py [--shared ../shared] [--gguf PATH]
"""
import argparse
import copy
import datetime as _dt
import hashlib
import json
import os
import subprocess
import sys

import jinja2
import transformers
from transformers.utils import chat_template_utils as ctu

FIXED_NOW = _dt.datetime(2026, 7, 26, 12, 0, 0)


class _FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


# strftime_now() in transformers' environment reads chat_template_utils.datetime.now()
ctu.datetime = _FixedDatetime

# (file in chat-templates/, fixture name, bos, eos). Tokens from the models' tokenizer_config.json.
TEMPLATES = [
    ("Qwen-Qwen3-0.6B.jinja", "qwen3", None, "<|im_end|>"),
    ("Qwen-Qwen2.5-7B-Instruct.jinja", "qwen2.5", None, "<|im_end|>"),
    ("Qwen-QwQ-32B.jinja", "qwq", None, "<|im_end|>"),
    ("meta-llama-Llama-3.1-8B-Instruct.jinja", "llama3.1", "<|begin_of_text|>", "<|eot_id|>"),
    ("meta-llama-Llama-3.2-3B-Instruct.jinja", "llama3.2", "<|begin_of_text|>", "<|eot_id|>"),
    ("meta-llama-Llama-3.3-70B-Instruct.jinja", "llama3.3", "<|begin_of_text|>", "<|eot_id|>"),
    ("HuggingFaceTB-SmolLM3-3B.jinja", "smollm3", None, "<|im_end|>"),
    ("google-gemma-2-2b-it.jinja", "gemma2", "<bos>", "<eos>"),
    ("microsoft-Phi-3.5-mini-instruct.jinja", "phi3.5", "<s>", "<|endoftext|>"),
    ("mistralai-Mistral-Nemo-Instruct-2407.jinja", "mistral-nemo", "<s>", "</s>"),
    ("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "deepseek-r1-distill",
     "<\uff5cbegin\u2581of\u2581sentence\uff5c>", "<\uff5cend\u2581of\u2581sentence\uff5c>"),
    ("NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", "hermes3", "<|begin_of_text|>", "<|im_end|>"),
    ("ibm-granite-granite-3.3-2B-Instruct.jinja", "granite3.3", "<|end_of_text|>", "<|end_of_text|>"),
]

TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Get the current weather — température actuelle d'une ville",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name, e.g. Zürich"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"}},
            "required": ["city"]}}},
    {"type": "function", "function": {
        "name": "search_docs",
        "description": "検索: search the \"docs\" index",
        "parameters": {"type": "object", "properties": {
            "query": {"type": "string", "description": "  Query text  "},
            "filters": {"type": "object", "description": "Optional filters", "properties": {
                "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"},
                "limit": {"type": "integer", "description": "Max results"}}},
            "exact": {"type": "boolean", "description": "Exact match"}},
            "required": ["query"]}}},
]

SYS = {"role": "system", "content": "You are a concise assistant."}
U1 = {"role": "user", "content": "What is the capital of France?"}
A1 = {"role": "assistant", "content": "Paris."}
U2 = {"role": "user", "content": "And of Germany?"}
CALL_DICT = {"role": "assistant", "content": "", "tool_calls": [
    {"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}}}]}
CALL_STR = {"role": "assistant", "content": "", "tool_calls": [
    {"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}
CALL_TWO = {"role": "assistant", "content": "Let me check both.", "tool_calls": [
    {"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}},
    {"id": "call67890", "type": "function", "function": {"name": "search_docs",
                                                          "arguments": {"query": "fjords", "filters": {"tags": ["geo"], "limit": 3}}}}]}
TOOL_RES = {"role": "tool", "tool_call_id": "call12345", "content": "{\"temperature\": 21, \"sky\": \"clear\"}"}
TOOL_RES2 = {"role": "tool", "tool_call_id": "call67890", "content": "3 results"}
U_WEATHER = {"role": "user", "content": "Weather in Zürich?"}

CONVERSATIONS = [
    ("user_only", [U1]),
    ("system_user", [SYS, U1]),
    ("multi_turn", [U1, A1, U2]),
    ("system_multi_turn", [SYS, U1, A1, U2]),
    ("assistant_last", [SYS, U1, A1]),
    ("reasoning_content", [U1, {"role": "assistant", "content": "Paris.", "reasoning_content": "The user asks about France.\n"}, U2]),
    ("reasoning_last_turn", [U1, {"role": "assistant", "content": "Paris.", "reasoning_content": "Easy one."}]),
    ("think_in_content", [U1, {"role": "assistant", "content": "<think>\nFrance -> Paris.\n</think>\n\nParis."}, U2]),
    ("think_in_last_content", [U1, {"role": "assistant", "content": "<think>\nShort.\n</think>\n\nParis."}]),
    ("tool_call_dict_args", [U_WEATHER, CALL_DICT, TOOL_RES]),
    ("tool_call_string_args", [U_WEATHER, CALL_STR, TOOL_RES, {"role": "assistant", "content": "It is 21 °C and clear."}]),
    ("two_tool_calls", [SYS, U_WEATHER, CALL_TWO, TOOL_RES, TOOL_RES2]),
    ("unicode", [{"role": "user", "content": "Grüße! 你好 👋🏽 مرحبا — «ok»"}, {"role": "assistant", "content": "Привет 🌍"}, {"role": "user", "content": "ß ǅ ﬁ"}]),
    ("empty_content", [{"role": "user", "content": ""}]),
    ("special_chars", [{"role": "user", "content": "Quotes ' \" and \\ backslash, {{ braces }} {% tag %}\n\tindent"}]),
    ("whitespace_content", [SYS, {"role": "user", "content": "  padded  \n"}]),
    ("user_user", [U1, U2]),
    ("assistant_first", [A1, U1]),
    ("system_only", [SYS]),
    ("none_content", [U1, {"role": "assistant", "content": None, "tool_calls": CALL_DICT["tool_calls"]}, TOOL_RES]),
]

# (case-name suffix, tools, add_generation_prompt, kwargs) applied to every conversation above.
VARIANTS = [("", None, True, {}), ("_nogen", None, False, {})]
EXTRA = [
    # (name, conversation name, tools, add_generation_prompt, kwargs)
    ("tools_user_only", "user_only", TOOLS, True, {}),
    ("tools_system_user", "system_user", TOOLS, True, {}),
    ("tools_call_flow", "tool_call_dict_args", TOOLS, True, {}),
    ("tools_two_calls", "two_tool_calls", TOOLS, False, {}),
    ("tools_string_args", "tool_call_string_args", TOOLS, True, {}),
    ("thinking_true", "multi_turn", None, True, {"enable_thinking": True}),
    ("thinking_false", "multi_turn", None, True, {"enable_thinking": False}),
    ("thinking_false_nogen", "reasoning_content", None, False, {"enable_thinking": False}),
    ("thinking_false_tools", "system_user", TOOLS, True, {"enable_thinking": False}),
    ("system_no_think", "system_user", None, True, {}),
]


def per_template_extra(fixture):
    extra = []
    if fixture.startswith("llama3"):
        extra.append(("tools_not_in_user_message", [SYS, U_WEATHER, CALL_DICT, TOOL_RES], TOOLS, True,
                      {"tools_in_user_message": False}))
        extra.append(("custom_date", [U1], None, True, {"date_string": "01 Jan 2025"}))
        extra.append(("tools_no_user_message", [SYS], TOOLS, True, {}))
    if fixture in ("llama3.1", "llama3.3"):
        extra.append(("builtin_tools", [SYS, {"role": "user", "content": "Search news"},
                                        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
                                            "name": "brave_search", "arguments": {"query": "news today"}}}]},
                                        {"role": "ipython", "content": "results"}],
                      None, True, {"builtin_tools": ["brave_search", "wolfram_alpha", "code_interpreter"]}))
    if fixture == "mistral-nemo":
        extra.append(("bad_tool_call_id", [U_WEATHER, {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Rome"}}}]}], TOOLS, True, {}))
        extra.append(("unknown_role", [U1, {"role": "narrator", "content": "x"}], None, True, {}))
    if fixture == "granite3.3":
        docs = [{"doc_id": 1, "text": "Paris is the capital of France."}, {"doc_id": "b", "text": "Berlin is in Germany."}]
        extra.append(("documents", [U1], None, True, {"documents": docs}))
        extra.append(("documents_controls", [U1], None, True, {"documents": docs, "controls": {"citations": True, "hallucinations": True, "length": "short"}}))
        extra.append(("thinking_kwarg", [U1], None, True, {"thinking": True}))
        extra.append(("tools_and_documents", [U1], TOOLS, True, {"documents": docs}))
    if fixture == "smollm3":
        extra.append(("system_with_no_think_flag", [{"role": "system", "content": "Be brief. /no_think"}, U1], None, True, {}))
        extra.append(("system_with_think_flag", [{"role": "system", "content": "/think Be thorough."}, U1], None, True, {}))
    if fixture == "hermes3":
        extra.append(("tool_with_return", [U_WEATHER], [{"type": "function", "function": {
            "name": "lookup", "description": "Look up a key",
            "parameters": {"type": "object", "properties": {
                "key": {"type": ["string", "integer"], "description": "Key"},
                "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}}},
            "return": {"type": "string", "description": "The value"}}}], True, {}))
    return extra


def render(template, bos, eos, messages, tools, add_generation_prompt, kwargs):
    """apply_chat_template(tokenize=False) without a tokenizer: the same normalisation and render call."""
    kwargs = dict(kwargs)
    documents = kwargs.pop("documents", None)
    template_kwargs = {}
    if bos is not None:
        template_kwargs["bos_token"] = bos
    if eos is not None:
        template_kwargs["eos_token"] = eos
    template_kwargs.update(kwargs)
    conversations = [ctu._normalize_chat_messages(copy.deepcopy(messages))]
    rendered, _ = ctu.render_jinja_template(conversations=conversations, tools=copy.deepcopy(tools),
                                            documents=copy.deepcopy(documents), chat_template=template,
                                            add_generation_prompt=add_generation_prompt, **template_kwargs)
    return rendered[0]


def make_case(template, bos, eos, name, messages, tools, agp, kwargs):
    case = {"name": name, "messages": messages}
    if tools is not None:
        case["tools"] = tools
    case["add_generation_prompt"] = agp
    case["kwargs"] = kwargs
    try:
        case["expected"] = render(template, bos, eos, messages, tools, agp, kwargs)
    except Exception as e:  # the template raised: the C++ engine must raise too, with this message
        case["error_type"] = type(e).__name__
        case["error"] = str(e)
    return case


def smollm2_template(gguf_path):
    import gguf
    reader = gguf.GGUFReader(gguf_path)
    field = reader.fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("EDGESERVE_SHARED_DIR", os.path.join(root, "..", "shared")))
    ap.add_argument("--gguf", default=None, help="SmolLM2 GGUF (default: scripts/default_model.sh)")
    ap.add_argument("--out", default=os.path.join(root, "tests", "fixtures", "templates"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    sources = []
    for file, fixture, bos, eos in TEMPLATES:
        path = os.path.join(args.shared, "models", "chat-templates", file)
        with open(path, encoding="utf-8") as f:
            sources.append((fixture, "chat-templates/" + file, f.read(), bos, eos))
    gguf_path = args.gguf or subprocess.check_output([os.path.join(root, "scripts", "default_model.sh")], text=True).strip()
    sources.append(("smollm2", "gguf:tokenizer.chat_template", smollm2_template(gguf_path), "<|im_start|>", "<|im_end|>"))

    # Templates that only make sense with tools (Hermes' tool_use variant iterates `tools` unconditionally):
    # their conversation variants carry the tools; two cases without tools check the failure.
    requires_tools = {"hermes3"}
    by_name = dict(CONVERSATIONS)
    for fixture, origin, template, bos, eos in sources:
        cases = []
        for conv_name, messages in CONVERSATIONS:
            for suffix, tools, agp, kwargs in VARIANTS:
                if fixture in requires_tools:
                    tools = TOOLS
                cases.append(make_case(template, bos, eos, conv_name + suffix, messages, tools, agp, kwargs))
        if fixture in requires_tools:
            cases.append(make_case(template, bos, eos, "no_tools", [U1], None, True, {}))
            cases.append(make_case(template, bos, eos, "no_tools_system", [SYS, U1], None, False, {}))
        for name, conv_name, tools, agp, kwargs in EXTRA:
            cases.append(make_case(template, bos, eos, name, by_name[conv_name], tools, agp, kwargs))
        for name, messages, tools, agp, kwargs in per_template_extra(fixture):
            cases.append(make_case(template, bos, eos, name, messages, tools, agp, kwargs))
        doc = {
            "template": origin,
            "template_sha256": hashlib.sha256(template.encode("utf-8")).hexdigest(),
            "generator": "scripts/gen_template_golden.py (transformers render_jinja_template)",
            "jinja2_version": jinja2.__version__,
            "transformers_version": transformers.__version__,
            "python_version": sys.version.split()[0],
            "strftime_now": FIXED_NOW.isoformat(),
            "bos_token": bos,
            "eos_token": eos,
            "cases": cases,
        }
        out = os.path.join(args.out, fixture + ".json")
        with open(out, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
            f.write("\n")
        n_err = sum(1 for c in cases if "error" in c)
        print(f"{out}: {len(cases)} cases ({n_err} raise)")
    write_language_fixture(args.out)



# Language snippets: each renders with transformers' environment (render(messages=..., tools=None,
# documents=None, add_generation_prompt=False, **vars)); tests/unit/template/test_language.cpp replays
# them. (name, template source, extra variables)
SNIPPETS = [
    ("ws_trim_blocks", "{% if true %}\n  yes\n{% endif %}\nend", {}),
    ("ws_lstrip_blocks", "a\n    {% if true %}\n    b\n    {% endif %}\nc", {}),
    ("ws_minus", "a   {{- 'b' -}}   c\n  {%- if true -%}  d  {%- endif -%}  e", {}),
    ("ws_plus", "a\n  {%+ if true %}b{% endif +%}\nc", {}),
    ("ws_comment", "x\n  {# note #}\ny {#- trimmed -#}  z", {}),
    ("ws_trailing_newline", "line\n", {}),
    ("ws_crlf", "a\r\nb{% if true %}\r\nc{% endif %}", {}),
    ("ws_variable_not_lstripped", "a\n   {{ 'v' }}\n", {}),
    ("loop_vars", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
                  "{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", {}),
    ("loop_prev_next", "{% for x in [1,2,3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}", {}),
    ("loop_filter_else", "{% for x in range(10) if x is odd %}{{ x }}{{ loop.length }} {% else %}none{% endfor %}"
                         "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("loop_break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x > 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("loop_unpack", "{% for k, v in {'a': 1, 'b': [2]}.items() %}{{ k }}={{ v }};{% endfor %}{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}", {}),
    ("loop_dict_keys", "{% for k in {'z': 1, 'a': 2} %}{{ k }}{% endfor %}", {}),
    ("loop_scope", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i * 10 %}{{ x }}{% endfor %}{{ x }}", {}),
    ("loop_cycle_nested", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.cycle('o', 'e') }}{{ a }}{{ b }}{% endfor %}{% endfor %}", {}),
    ("namespace", "{% set ns = namespace(n=0, items=[]) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% set ns.items = ns.items + [i] %}{% endfor %}{{ ns.n }} {{ ns.items }}", {}),
    ("set_block", "{% set body %}Hello {{ name }}!{% endset %}[{{ body }}]{% set up | upper %}x{% endset %}{{ up }}", {"name": "Ann"}),
    ("macro", "{% macro greet(who, punct='!') %}Hi {{ who }}{{ punct }}{% endmacro %}{{ greet('a') }} {{ greet('b', '?') }} {{ greet(punct='.', who='c') }}", {}),
    ("macro_recursive", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}", {}),
    ("print_python_repr", "{{ True }} {{ none }} {{ [1, 'a', \"b'c\", none, false, 1.5] }} {{ {'k': 'v', 'n': {'x': (1,)}} }} {{ (1, 2) }} {{ 'it''s' }}", {}),
    ("print_floats", "{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 123456789.125 }} {{ 1/3 }} {{ 2.5e-3 }} {{ -0.0 }} {{ 10 / 4 }} {{ 3.0 * 2 }}", {}),
    ("print_string_repr", "{{ ['tab\\there', 'nl\\n', 'quote\\'s', 'both \\' \"', 'uni é ☃', 'ctl \\x01', '\\\\'] }}", {}),
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7 / 2 }} {{ 1 + 2 * 3 - 4 }} {{ -3 + 1 }} {{ 'ab' * 3 }} {{ [0] * 3 }} {{ true + 1 }} {{ 5.5 // 2 }} {{ -5.5 % 2 }}", {}),
    ("concat_tilde", "{{ 'a' ~ 1 ~ none ~ true ~ undefined_var ~ [1] }}", {}),
    ("comparisons", "{{ 1 < 2 < 3 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 'b' in 'abc' }} {{ 2 not in [1, 3] }} {{ 'k' in {'k': 1} }} {{ none == none }} {{ 1 != '1' }}", {}),
    ("logic", "{{ 0 or 'x' }} {{ 1 and 'y' }} {{ not 0 }} {{ none or [] }} {{ 'a' if false }}|{{ 'a' if 0 else 'b' }} {{ (1 if true else 2) + 1 }}", {}),
    ("slicing", "{{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ 'hello'[-2:] }} {{ [1,2,3,4,5][::2] }} {{ [1,2,3][-1] }} {{ 'héllo'[1] }} {{ 'héllo'[:2] }} {{ [1,2,3][5:] }} {{ [1,2,3,4][3:0:-1] }} {{ 'abc'[10:] }}|", {}),
    ("subscript_access", "{{ d.a }} {{ d['a'] }} {{ d.missing }}|{{ l[0] }} {{ l.0 }} {{ l[10] }}|{{ d.items is defined }} {{ d['b']['c'] }} {{ d.b.c }}", {"d": {"a": 1, "b": {"c": 2}}, "l": ["x"]}),
    ("strings_methods", "{{ s.upper() }} {{ s.lower() }} {{ s.title() }} {{ s.capitalize() }} {{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s.strip(' H!') }} {{ s.split() }} {{ s.split('l') }} {{ s.split('l', 1) }} {{ s.rsplit('l', 1) }} {{ s.replace('l', 'L') }} {{ s.replace('l', 'L', 1) }} {{ s.startswith(' He') }} {{ s.endswith(('x', '! ')) }} {{ s.find('l') }} {{ s.count('l') }} {{ '-'.join(['a', 'b']) }}", {"s": " Hello wOrld! "}),
    ("strings_unicode", "{{ s|length }} {{ s|upper }} {{ s[::-1] }} {{ s.split() }} {{ s|list }} {{ s|title }}", {"s": "ñandú  ÆØ 日本\u3000x"}),
    ("filters_basic", "{{ '  x  '|trim }}|{{ 'xxhixx'|trim('x') }} {{ 'a b'|upper }} {{ 'HeLLo wOrld-foo'|title }} {{ 'hello'|capitalize }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 3.7|int }} {{ '42'|int }} {{ 'x'|int(7) }} {{ '0x1A'|int(0, 16) }} {{ '2.5'|float }} {{ -3|abs }} {{ 2.567|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.1|round(0, 'ceil') }} {{ 'a & <b>'|escape }} {{ 'one two  three'|wordcount }} {{ 5|string }}", {}),
    ("filters_default", "{{ missing|default('d') }} {{ missing|d('e') }} {{ ''|default('f') }} {{ ''|default('g', true) }} {{ none|default('h') }} {{ 0|d('i', boolean=true) }}", {}),
    ("filters_seq", "{{ [3,1,2]|length }} {{ 'abc'|count }} {{ [3,1,2]|first }} {{ [3,1,2]|last }} {{ [3,1,2]|sort }} {{ [3,1,2]|sort(reverse=true) }} {{ ['b','A','c']|sort }} {{ [1,2,2,3,1]|unique|list }} {{ [1,2,3]|reverse|list }} {{ [1,2,3]|sum }} {{ [4,2,9]|min }} {{ [4,2,9]|max }} {{ {'b': 1, 'a': 2}|dictsort }} {{ [1, 'a']|join(', ') }} {{ {'x': 1}|items|list }}", {}),
    ("filters_select", "{{ [1,2,3,4]|select('odd')|list }} {{ [1,2,3,4]|reject('even')|list }} {{ [0,1,none,'',2]|select|list }} {{ ['a','b','a']|reject('equalto', 'a')|list }} {{ users|selectattr('active')|map(attribute='name')|list }} {{ users|rejectattr('active')|map(attribute='name')|join(',') }} {{ users|selectattr('role', 'equalto', 'admin')|list|length }} {{ users|map(attribute='age', default=0)|list }} {{ ['a','b']|map('upper')|list }} {{ users|map(attribute='tags.0')|list }}", {"users": [{"name": "ann", "active": True, "role": "admin", "age": 30, "tags": ["x"]}, {"name": "bob", "active": False, "role": "user", "tags": ["y", "z"]}]}),
    ("filters_tojson", "{{ v|tojson }}\n{{ v|tojson(indent=2) }}\n{{ v|tojson(sort_keys=true) }}\n{{ v|tojson(separators=(',', ':')) }}\n{{ 'é\"\\n\\u2028'|tojson }} {{ 1.0|tojson }} {{ [none, true]|tojson }} {{ {}|tojson(indent=2) }} {{ []|tojson(indent=2) }}", {"v": {"b": [1, 2.5, "x"], "a": {"nested": None, "e": []}, "ü": True}}),
    ("filters_indent", "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(width='> ', blank=true) }}", {}),
    ("tests", "{{ x is defined }} {{ y is undefined }} {{ none is none }} {{ 's' is string }} {{ 1 is number }} {{ 1.5 is integer }} {{ 2 is integer }} {{ 1.5 is float }} {{ true is boolean }} {{ true is number }} {{ {} is mapping }} {{ [] is iterable }} {{ 1 is iterable }} {{ 's' is sequence }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 2 is in [1, 2] }} {{ 'a' is equalto 'a' }} {{ 1 is eq 1 }} {{ 3 is gt 2 }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ true is true }} {{ 0 is false }} {{ none is sameas none }} {{ x is not none }} {{ range is callable }} {{ undefined_thing is iterable }}", {"x": 1}),
    ("dict_methods", "{{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ dict(a=1, b=2) }} {{ dict([('k', 'v')]) }}", {"d": {"a": 1, "b": [2]}}),
    ("strftime", "{{ strftime_now('%Y-%m-%d %H:%M %B %d, %Y %d %b %Y %A') }}", {}),
    ("undefined_behaviour", "[{{ missing }}][{{ missing|length }}][{{ missing|list }}][{{ missing is defined }}][{% for x in missing %}x{% endfor %}][{{ 'a' in missing }}][{{ d.nope is defined }}][{{ missing|string }}][{{ missing|upper }}][{{ missing|join }}][{{ missing|first is defined }}]", {"d": {}}),
    ("literals", "{{ 'a' \"b\" 'c' }} {{ 1_000 }} {{ 0.5e1 }} {{ [1, [2, (3,)], {'a': {}}] }} {{ True and False or None }} {{ '\\u00e9\\x41\\q' }} {{ -2 ** 2 }} {{ -(2) ** 2 }} {{ 2 ** 3 ** 2 }} {{ not 1 == 2 }}", {}),
    ("set_tuple_and_nested_loops", "{% set a, b = 1, 2 %}{{ a }}{{ b }} {% for x in [1, 2] %}{% set outer = loop %}{% for y in [3] %}{{ outer.index }}{{ loop.index }}{{ loop.first }}{% endfor %}{% endfor %} [{{ loop }}]", {}),
    ("precedence", "{{ 'a' ~ 'b' + 'c' }} {{ 10 - 2 - 3 }} {{ -1|abs }} {{ 1 if true else 2|string }} {{ 2 * 3 ** 2 }} {{ not true or true }} {{ 1 + 2 > 2 and 'y' }} {{ 'abc'|length == 3 }} {{ 4 / 2 * 3 }} {{ 7 % 4 * 2 }}", {}),
    ("equality_and_ranges", "{{ [1, 2] == [1, 2] }} {{ (1, 2) == [1, 2] }} {{ {'a': 1} == {'a': 1.0} }} {{ 1 == true }} {{ range(5)|list }} {{ range(1, 10, 3)|list }} {{ range(5, 0, -2)|list }} {{ range(0)|list }} {{ [3, 1]|sort|first }}", {}),
    ("number_conversions", "{{ 1.5|int }} {{ '3.9'|int }} {{ ' 12 '|int }} {{ true|int }} {{ 0.1|round(1) }} {{ 1234.5678|round(-2) }} {{ 1e3 }} {{ 100000000000000000.0 }} {{ 0.000123 }} {{ 12345678901234567.0 }} {{ 5 // 2.0 }} {{ 2 ** 0.5 }} {{ 1.5e300 * 1e10 }} {{ '7'|float + 1 }} {{ 3|float }}", {}),
    ("access_chains", "{% set x = {'a': {'b': [1, {'c': 'd'}]}} %}{{ x.a.b[1].c }} {{ x['a']['b'][-1]['c'] }} {{ dict(a=1).a }} {{ namespace(a=1).a }} {{ (messages|selectattr('role', 'equalto', 'user')|list)[-1].content }} {{ messages|map(attribute='role')|join(',') }} {{ messages[0] }} {{ x.a.b|length }}", {}),
    ("string_edge_methods", "{{ 'x'|replace('', '-') }} {{ 'a b c'.split(' ', -1) }} {{ 'abc'.index('c') }} {{ [1, 2, 3].index(2) }} {{ 'AbC'.lower().upper() }} {{ 'a,b,,c'.split(',') }} {{ ' '.join(['x', 'y']) }} {{ 'x y  z'.split(none, 1) }} {{ 'Hello'.startswith('he') }} {{ '\u00a0 pad \u2003'.strip() }}| {{ 'abcabc'.rfind('b') }} {{ 'aaa'.count('a') }} {{ 'one two'.title() }} {{ \"they're bill's\".title() }} {{ 'x1y2'.capitalize() }}", {}),
    ("braces_in_strings", "{% set x = '%}' %}{{ x }} {{ '{{' }} {{ '}}' }} {{ \"{% raw %}\" }} {{ {'k': '}}'}['k'] }} {#- c -#}  {{- ' ' -}}  end", {}),
    ("loop_filter_vars", "{% for x in [1, 2, 3, 4] if x > 1 %}{{ loop.index }}{{ loop.last }}{{ loop.length }};{% endfor %}", {}),
    ("print_nested_unicode", "{{ messages }} {{ {'é': ['ü', 1.0, None]} }} {{ ('a',) }} {{ [] }} {{ {} }} {{ ['\\u2028', '\\x7f', '\\xa0', '\\u00ad', 'тест'] }}", {}),
    ("whitespace_mix", "<{%- if true %}\n  a\n{%- endif %}>\n  <{% for i in [1, 2] -%}\n  {{ i }}\n  {%- endfor %}>\n{% if true %}   \n{% endif %}|\n    {% set x = 1 %}\n\t{# c #}\n  end", {}),
    ("generation_tag", "{% for m in messages %}{% generation %}{{ m.content }}{% endgeneration %}{% endfor %}", {}),
    ("tojson_kinds", "{{ (1, 'a')|tojson }} {{ 1.5e300|tojson }} {{ -0.0|tojson }} {{ 'tab\\t\\x01'|tojson }} {{ {'a': [1, {'b': none}]}|tojson(indent=1) }} {{ 'x'|tojson(indent=2) }} {{ true|tojson }}", {}),
    ("default_and_none_printing", "{{ none }} {{ messages[0].missing|default('dflt') }} {{ messages[0].content|default('x') }} {{ [none]|join }} {{ none|tojson }} {{ none|list if false else 'n' }}", {}),
    ("generator_semantics", "{{ 'y' if [1]|select('odd') else 'n' }}{{ 'y' if []|select('odd') else 'n' }}{{ 'y' if none|map('string') else 'n' }} {% set g = [1, 2, 3]|map('string') %}{{ g|first }}{{ g|list }}{{ g|list }} [{{ (users|selectattr('a'))[0] }}] {{ [1, 2]|reverse|join(',') }} {{ 'x' in ['x']|map('string') }} [{{ (5)[0:1] }}] {{ {'a': 1}|items|list }} {{ [1, 2]|reverse is iterable }} {{ [1]|map('string') is sequence }}", {"users": [{"a": 1}]}),
    ("err_generator_length", "{{ [1]|select('odd')|length }}", {}),
    ("err_generator_tojson", "{{ [1]|map('string')|tojson }}", {}),
    ("err_generator_slice", "{{ ([3]|map('string'))[0:1] }}", {}),
    ("err_generator_last", "{{ [1]|map('string')|last }}", {}),
    ("err_raise", "{{ raise_exception('custom failure ' ~ 42) }}", {}),
    ("err_str_plus_int", "{{ 'a' + 1 }}", {}),
    ("err_int_plus_str", "{{ 1 + 'a' }}", {}),
    ("err_list_plus_int", "{{ [1] + 1 }}", {}),
    ("err_undefined_attr", "{{ missing.attr }}", {}),
    ("err_undefined_call", "{{ missing_fn() }}", {}),
    ("err_attr_of_missing_key", "{{ d.a.b }}", {"d": {}}),
    ("err_index_of_missing", "{{ l[3].x }}", {"l": [1]}),
    ("err_compare", "{{ 1 < 'a' }}", {}),
    ("err_div_zero", "{{ 1 / 0 }}", {}),
    ("err_floordiv_zero", "{{ 1 // 0 }}", {}),
    ("err_iterate_none", "{% for x in none %}{% endfor %}", {}),
    ("err_iterate_int", "{% for x in 5 %}{% endfor %}", {}),
    ("err_in_string_int", "{{ 1 in 'abc' }}", {}),
    ("err_unsafe_append", "{% set l = [] %}{{ l.append(1) }}", {}),
    ("err_range_too_big", "{{ range(1000000)|length }}", {}),
    ("err_tojson_undefined", "{{ missing|tojson }}", {}),
    ("err_unpack", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", {}),
    ("err_namespace_underscore", "{% set ns = namespace() %}{% set ns._x = 1 %}", {}),
    ("err_items_non_mapping", "{{ [1]|items|list }}", {}),
    ("err_length_int", "{{ 5|length }}", {}),
    ("err_upper_undefined_method", "{{ missing.upper() }}", {}),
]


def render_snippet(source, variables):
    template = ctu._compile_jinja_template(source)
    return template.render(messages=[{"role": "user", "content": "hi"}], tools=None, documents=None,
                           add_generation_prompt=False, **variables)


def write_language_fixture(out_dir):
    cases = []
    for name, source, variables in SNIPPETS:
        case = {"name": name, "template": source, "vars": variables}
        try:
            case["expected"] = render_snippet(source, variables)
        except Exception as e:
            case["error_type"] = type(e).__name__
            case["error"] = str(e)
        cases.append(case)
    doc = {"generator": "scripts/gen_template_golden.py (transformers' jinja2 environment)",
           "jinja2_version": jinja2.__version__, "transformers_version": transformers.__version__,
           "strftime_now": FIXED_NOW.isoformat(), "cases": cases}
    out = os.path.join(out_dir, "language.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{out}: {len(cases)} snippets ({sum(1 for c in cases if 'error' in c)} raise)")


if __name__ == "__main__":
    main()
