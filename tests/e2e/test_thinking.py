"""Thinking mode end to end on a Qwen3-architecture model with the real Qwen3 vocabulary and random weights
(scripts/make_bench_model.py --shape tiny, written at test time): the switch spellings and their precedence
seen through /tokenize, the thinking budget, stream order and schemas, the openai SDK reading reasoning_content
from model_extra, and LangChain ChatOpenAI with extra_body (separate and inline formats)."""
import json
import pathlib
import subprocess
import sys
import urllib.request

import openai
import pytest
from langchain_openai import ChatOpenAI

from harness import Server, validate
from sse import events, post

ROOT = pathlib.Path(__file__).resolve().parents[2]
THINK, END_THINK = 151667, 151668          # <think>, </think> in the Qwen3 vocabulary
OFF_TAIL = "<think>\n\n</think>\n\n"        # what the template appends when thinking is off
USER = [{"role": "user", "content": "Is it a good day to dry laundry?"}]


@pytest.fixture(scope="module")
def tiny_qwen3(tmp_path_factory, shared_dir):
    out = tmp_path_factory.mktemp("tiny-qwen3")
    made = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_bench_model.py"), "--shape", "tiny",
                           "--types", "bf16", "--out", str(out), "--shared", shared_dir], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    return str(out / "qwen3-tiny-bf16.gguf")


@pytest.fixture(scope="module")
def qwen(edgeserve_bin, tiny_qwen3):
    s = Server(edgeserve_bin, tiny_qwen3, "--max-model-len", "2048")
    yield s
    s.stop()


def prompt_text(server, **fields):
    body = json.dumps({"messages": USER, **fields}).encode()
    req = urllib.request.Request(server.base + "/tokenize", data=body, headers={"Content-Type": "application/json"})
    ids = json.loads(urllib.request.urlopen(req, timeout=30).read())["tokens"]
    req = urllib.request.Request(server.base + "/detokenize", data=json.dumps({"tokens": ids}).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())["prompt"]


@pytest.mark.parametrize("fields, thinking", [
    ({}, True),                                                     # the server default: on for Qwen3
    ({"chat_template_kwargs": {"enable_thinking": False}}, False),
    ({"enable_thinking": False}, False),                            # what extra_body sends
    ({"reasoning_effort": "none"}, False),
    ({"reasoning_effort": "low"}, True),
    ({"chat_template_kwargs": {"enable_thinking": True}, "enable_thinking": False}, True),    # kwargs first
    ({"chat_template_kwargs": {"enable_thinking": False}, "enable_thinking": True}, False),
    ({"enable_thinking": True, "reasoning_effort": "none"}, True),  # top-level before reasoning_effort
    ({"enable_thinking": False, "reasoning_effort": "high"}, False),
])
def test_switch_spellings_and_precedence(qwen, fields, thinking):
    text = prompt_text(qwen, **fields)
    assert text.endswith("<|im_start|>assistant\n" + ("" if thinking else OFF_TAIL))


def test_server_default_off(edgeserve_bin, tiny_qwen3):
    s = Server(edgeserve_bin, tiny_qwen3, "--default-enable-thinking", "false")
    try:
        assert prompt_text(s).endswith(OFF_TAIL)
        assert not prompt_text(s, enable_thinking=True).endswith(OFF_TAIL)
    finally:
        s.stop()


def forced_open(**extra):
    """Random weights never choose <think> on their own: a logit bias makes every token <think>."""
    return {"logit_bias": {str(THINK): 100}, "ignore_eos": True, **extra}


@pytest.mark.parametrize("budget", [0, 3, 8])
def test_thinking_budget_bounds_reasoning_and_the_answer_comes(qwen, schemas, budget):
    client = openai.OpenAI(base_url=qwen.base_url, api_key="x", max_retries=0)
    r = client.chat.completions.create(model="m", messages=USER, max_tokens=30,
                                       extra_body=forced_open(thinking_budget=budget))
    validate(r.model_dump(exclude_unset=True), schemas["chat_completion"])
    assert r.usage.completion_tokens_details.reasoning_tokens <= budget + 1
    assert r.choices[0].message.content                      # the block was closed: an answer follows
    assert "reasoning_content" in r.choices[0].message.model_extra
    assert "</think>" not in r.choices[0].message.model_extra["reasoning_content"]


def test_stream_has_reasoning_then_content_in_order(qwen, schemas):
    _, response = post(qwen.port, "/v1/chat/completions",
                       {"messages": USER, "stream": True, "max_tokens": 20, **forced_open(thinking_budget=4)})
    payloads = list(events(response))
    assert payloads[-1] == "[DONE]"
    kinds = []
    for p in payloads[:-1]:
        chunk = json.loads(p)
        validate(chunk, schemas["chat_completion_chunk"])
        delta = chunk["choices"][0]["delta"]
        if delta.get("reasoning_content"):
            assert delta["reasoning"] == delta["reasoning_content"]
            kinds.append("r")
        if delta.get("content"):
            kinds.append("c")
    assert "r" in kinds and "c" in kinds
    assert kinds == sorted(kinds, key=lambda k: k == "c")    # every reasoning chunk before any content chunk


def test_cut_off_inside_thinking_is_all_reasoning(qwen):
    client = openai.OpenAI(base_url=qwen.base_url, api_key="x", max_retries=0)
    r = client.chat.completions.create(model="m", messages=USER, max_tokens=5, extra_body=forced_open())
    assert r.choices[0].finish_reason == "length"
    assert r.choices[0].message.content is None
    assert r.choices[0].message.model_extra["reasoning_content"]


def test_return_reasoning_false_drops_it(qwen):
    client = openai.OpenAI(base_url=qwen.base_url, api_key="x", max_retries=0)
    r = client.chat.completions.create(model="m", messages=USER, max_tokens=12,
                                       extra_body=forced_open(thinking_budget=2, return_reasoning=False))
    assert "reasoning_content" not in (r.choices[0].message.model_extra or {})
    assert r.choices[0].message.content


def test_thinking_off_output_is_all_content(qwen):
    client = openai.OpenAI(base_url=qwen.base_url, api_key="x", max_retries=0)
    r = client.chat.completions.create(model="m", messages=USER, max_tokens=8,
                                       extra_body={"enable_thinking": False, "ignore_eos": True})
    assert r.usage.completion_tokens_details.reasoning_tokens == 0
    assert "reasoning_content" not in (r.choices[0].message.model_extra or {})


def test_langchain_extra_body_stream_and_invoke(qwen):
    body = forced_open(enable_thinking=True, return_reasoning=True, thinking_budget=3)
    llm = ChatOpenAI(base_url=qwen.base_url, api_key="x", model="m", max_tokens=16, extra_body=body, max_retries=0)
    assert llm.invoke("hello").content
    streamed = "".join(c.content for c in llm.stream("hello"))
    assert streamed
    inline = ChatOpenAI(base_url=qwen.base_url, api_key="x", model="m", max_tokens=16, max_retries=0,
                        extra_body={**body, "reasoning_format": "inline"})
    message = inline.invoke("hello")
    assert message.content.startswith("<think>") and "</think>" in message.content
    streamed_inline = "".join(c.content for c in inline.stream("hello"))
    assert streamed_inline.startswith("<think>") and "</think>" in streamed_inline
