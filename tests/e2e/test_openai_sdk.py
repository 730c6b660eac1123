"""The official `openai` SDK against the real server (bundled SmolLM2 GGUF on 127.0.0.1). Every response and
chunk is validated against the JSON Schemas in schemas/ (written from the OpenAI API reference), and the stream
order rules of OPENAI_COMPAT.md are checked on the raw SSE."""
import json

import openai
import pytest

from harness import validate
from sse import events, post

MESSAGES = [{"role": "user", "content": "Name three colors."}]


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0, timeout=120)


def test_models_list_and_model(client, server, schemas):
    models = client.models.list()
    validate(models.model_dump(exclude_unset=True), schemas["model_list"])
    model_id = models.data[0].id
    validate(client.models.retrieve(model_id).model_dump(exclude_unset=True), schemas["model"])
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_invoke_and_stream_agree_at_temperature_zero(client, schemas):
    full = client.chat.completions.create(model="m", messages=MESSAGES, temperature=0, max_completion_tokens=24)
    validate(full.model_dump(exclude_unset=True), schemas["chat_completion"])
    assert full.choices[0].message.content
    assert full.usage.completion_tokens <= 24
    pieces = []
    for chunk in client.chat.completions.create(model="m", messages=MESSAGES, temperature=0,
                                                max_completion_tokens=24, stream=True):
        validate(chunk.model_dump(exclude_unset=True), schemas["chat_completion_chunk"])
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    assert "".join(pieces) == full.choices[0].message.content


def test_stream_order_rules_on_the_wire(server, schemas):
    _, response = post(server.port, "/v1/chat/completions",
                       {"messages": MESSAGES, "stream": True, "max_tokens": 12, "n": 2,
                        "stream_options": {"include_usage": True}})
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    payloads = list(events(response))
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    for c in chunks:
        validate(c, schemas["chat_completion_chunk"])
    assert len({c["id"] for c in chunks}) == 1 and len({c["created"] for c in chunks}) == 1
    usage = chunks[-1]
    assert usage["choices"] == [] and usage["usage"]["completion_tokens"] > 0
    for index in (0, 1):
        mine = [c["choices"][0] for c in chunks[:-1] if c["choices"][0]["index"] == index]
        assert mine[0]["delta"].get("role") == "assistant"          # the role chunk comes first
        assert sum(1 for m in mine if m["finish_reason"]) == 1      # exactly one finish_reason
        assert mine[-1]["finish_reason"] in ("stop", "length")
    assert all("usage" not in c or c["usage"] is None for c in chunks[:-1])


def test_include_usage_and_cached_tokens(client):
    stream = client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=5, stream=True,
                                            stream_options={"include_usage": True})
    usage = [c.usage for c in stream if c.usage]
    assert len(usage) == 1
    assert usage[0].prompt_tokens > 0 and usage[0].total_tokens == usage[0].prompt_tokens + usage[0].completion_tokens
    # The same prompt again: its full blocks come from the prefix cache.
    again = client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=5)
    assert again.usage.prompt_tokens_details.cached_tokens > 0


def test_n_choices(client, schemas):
    r = client.chat.completions.create(model="m", messages=MESSAGES, n=2, max_tokens=8, temperature=1.0, seed=3)
    validate(r.model_dump(exclude_unset=True), schemas["chat_completion"])
    assert sorted(c.index for c in r.choices) == [0, 1]


def test_logprobs(client, schemas):
    r = client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=6, logprobs=True, top_logprobs=3,
                                       temperature=0)
    validate(r.model_dump(exclude_unset=True), schemas["chat_completion"])
    content = r.choices[0].logprobs.content
    assert len(content) == r.usage.completion_tokens or r.choices[0].finish_reason == "stop"
    for entry in content:
        assert len(entry.top_logprobs) == 3
        assert entry.top_logprobs[0].logprob >= entry.top_logprobs[-1].logprob
        assert entry.logprob <= 0
        assert entry.top_logprobs[0].logprob == pytest.approx(entry.logprob, abs=1e-5)   # greedy picks the top one


def test_stop_string_cuts_the_text(client):
    base = client.chat.completions.create(model="m", messages=MESSAGES, temperature=0, max_tokens=30)
    text = base.choices[0].message.content
    assert len(text) > 6
    stop = text[3:6]
    cut = client.chat.completions.create(model="m", messages=MESSAGES, temperature=0, max_tokens=30, stop=[stop])
    assert cut.choices[0].message.content == text[:text.index(stop)]
    assert cut.choices[0].finish_reason == "stop"
    streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="m", messages=MESSAGES, temperature=0, max_tokens=30, stop=stop, stream=True) if c.choices)
    assert streamed == cut.choices[0].message.content


def test_seed_reproducibility(client):
    args = dict(model="m", messages=MESSAGES, temperature=1.0, top_p=0.9, max_tokens=16, seed=1234)
    first = client.chat.completions.create(**args).choices[0].message.content
    second = client.chat.completions.create(**args).choices[0].message.content
    assert first == second


def test_max_tokens_and_length_finish(client):
    r = client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=3, temperature=0,
                                       extra_body={"ignore_eos": True})
    assert r.usage.completion_tokens == 3
    assert r.choices[0].finish_reason == "length"


def test_completions_endpoint(client, schemas):
    r = client.completions.create(model="m", prompt="The capital of France is", max_tokens=8, temperature=0)
    validate(r.model_dump(exclude_unset=True), schemas["completion"])
    text = "".join(c.choices[0].text for c in client.completions.create(
        model="m", prompt="The capital of France is", max_tokens=8, temperature=0, stream=True) if c.choices)
    assert text == r.choices[0].text
