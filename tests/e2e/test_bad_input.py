"""Bad input against the real server: each case gets the right 4xx and an OpenAI error object that validates
against schemas/error.json, the named param where there is one, and /health stays 200 afterwards."""
import http.client
import json
import urllib.request

import pytest

from harness import validate

GOOD = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}


def with_(**fields):
    body = dict(GOOD)
    body.update(fields)
    return json.dumps(body)


def without(field):
    body = dict(GOOD)
    body.pop(field)
    return json.dumps(body)


CASES = [
    # (id, method, path, raw body, status, param)
    ("not json", "POST", "/v1/chat/completions", "hello", 400, None),
    ("truncated json", "POST", "/v1/chat/completions", '{"messages": [{"role": "us', 400, None),
    ("array body", "POST", "/v1/chat/completions", "[]", 400, None),
    ("number body", "POST", "/v1/chat/completions", "42", 400, None),
    ("null body", "POST", "/v1/chat/completions", "null", 400, None),
    ("empty body", "POST", "/v1/chat/completions", "", 400, None),
    ("unknown path", "GET", "/v1/nothing", "", 404, None),
    ("wrong method", "GET", "/v1/chat/completions", "", 405, None),
    ("messages missing", "POST", "/v1/chat/completions", without("messages"), 400, "messages"),
    ("messages empty", "POST", "/v1/chat/completions", with_(messages=[]), 400, "messages"),
    ("messages a string", "POST", "/v1/chat/completions", with_(messages="hi"), 400, "messages"),
    ("messages [123]", "POST", "/v1/chat/completions", with_(messages=[123]), 400, "messages"),
    ("messages [{}]", "POST", "/v1/chat/completions", with_(messages=[{}]), 400, "messages"),
    ("role 123", "POST", "/v1/chat/completions", with_(messages=[{"role": 123, "content": "x"}]), 400, "messages"),
    ("unknown role", "POST", "/v1/chat/completions", with_(messages=[{"role": "wizard", "content": "x"}]), 400, "messages"),
    ("tool without id", "POST", "/v1/chat/completions",
     with_(messages=[{"role": "user", "content": "x"}, {"role": "tool", "content": "42"}]), 400, "messages"),
    ("image part", "POST", "/v1/chat/completions",
     with_(messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]),
     400, "messages"),
    ("temperature type", "POST", "/v1/chat/completions", with_(temperature="hot"), 400, "temperature"),
    ("max_tokens type", "POST", "/v1/chat/completions", with_(max_tokens="5"), 400, "max_tokens"),
    ("stream type", "POST", "/v1/chat/completions", with_(stream="yes"), 400, "stream"),
    ("stop type", "POST", "/v1/chat/completions", with_(stop=5), 400, "stop"),
    ("n type", "POST", "/v1/chat/completions", with_(n="2"), 400, "n"),
    ("temperature -1", "POST", "/v1/chat/completions", with_(temperature=-1), 400, "temperature"),
    ("temperature 2.5", "POST", "/v1/chat/completions", with_(temperature=2.5), 400, "temperature"),
    ("top_p 1.5", "POST", "/v1/chat/completions", with_(top_p=1.5), 400, "top_p"),
    ("n 0", "POST", "/v1/chat/completions", with_(n=0), 400, "n"),
    ("n 1000000", "POST", "/v1/chat/completions", with_(n=1000000), 400, "n"),
    ("max_tokens 0", "POST", "/v1/chat/completions", with_(max_tokens=0), 400, "max_tokens"),
    ("max_tokens -1", "POST", "/v1/chat/completions", with_(max_tokens=-1), 400, "max_tokens"),
    ("presence_penalty 3", "POST", "/v1/chat/completions", with_(presence_penalty=3), 400, "presence_penalty"),
    ("logit_bias key", "POST", "/v1/chat/completions", with_(logit_bias={"abc": 1}), 400, "logit_bias"),
    ("logit_bias id", "POST", "/v1/chat/completions", with_(logit_bias={"999999999": 1}), 400, "logit_bias"),
    ("logit_bias value", "POST", "/v1/chat/completions", with_(logit_bias={"5": 1000}), 400, "logit_bias"),
    ("top_logprobs 21", "POST", "/v1/chat/completions", with_(logprobs=True, top_logprobs=21), 400, "top_logprobs"),
    ("stream_options without stream", "POST", "/v1/chat/completions",
     with_(stream_options={"include_usage": True}), 400, "stream_options"),
    ("completions without prompt", "POST", "/v1/completions", json.dumps({"max_tokens": 2}), 400, "prompt"),
    ("tools empty", "POST", "/v1/chat/completions", with_(tools=[]), 400, "tools"),
    ("tools malformed parameters", "POST", "/v1/chat/completions",
     with_(tools=[{"type": "function", "function": {"name": "f", "parameters": "not a schema"}}]), 400, "tools"),
    ("tool_choice required without tools", "POST", "/v1/chat/completions", with_(tool_choice="required"), 400,
     "tool_choice"),
    ("tool_choice named without tools", "POST", "/v1/chat/completions",
     with_(tool_choice={"type": "function", "function": {"name": "f"}}), 400, "tool_choice"),
    ("tool_choice names a missing tool", "POST", "/v1/chat/completions",
     with_(tools=[{"type": "function", "function": {"name": "f"}}],
           tool_choice={"type": "function", "function": {"name": "g"}}), 400, "tool_choice"),
]


def request(port, method, path, body, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body.encode() if body else None,
                 headers={"Content-Type": "application/json", **(headers or {})})
    r = conn.getresponse()
    return r.status, r.getheaders(), r.read()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_4xx_openai_error(server, schemas, case):
    _, method, path, body, status, param = case
    got, _, raw = request(server.port, method, path, body)
    assert got == status, raw
    error = json.loads(raw)
    validate(error, schemas["error"])
    assert error["error"]["type"] == "invalid_request_error"
    if param is not None:
        assert error["error"]["param"] == param
    with urllib.request.urlopen(server.base + "/health", timeout=5) as r:
        assert r.status == 200


@pytest.mark.parametrize("stream", [False, True])
def test_prompt_longer_than_the_context(start_server, schemas, stream):
    s = start_server("--max-model-len", "64")
    body = json.dumps({"messages": [{"role": "user", "content": "word " * 200}], "stream": stream})
    status, headers, raw = request(s.port, "POST", "/v1/chat/completions", body)
    assert status == 400
    assert dict(headers).get("Content-Type", "").startswith("application/json")   # before any SSE byte
    error = json.loads(raw)
    validate(error, schemas["error"])
    assert error["error"]["code"] == "context_length_exceeded"


def test_body_over_the_limit_is_413(start_server, schemas):
    s = start_server("--max-request-bytes", "2048")
    status, _, raw = request(s.port, "POST", "/v1/chat/completions", with_(user="x" * 10000))
    assert status == 413
    validate(json.loads(raw), schemas["error"])
