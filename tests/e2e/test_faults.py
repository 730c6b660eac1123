"""Faults and limits against the real server: clients that hang up (mid-stream, while queued), 50 concurrent
streaming clients, a burst beyond --max-queued, SIGTERM under load, API keys and CORS. Every loop is bounded;
only 127.0.0.1 is targeted."""
import concurrent.futures
import http.client
import json
import signal
import socket
import time
import urllib.error
import urllib.request

import openai
import pytest

from harness import validate
from sse import events, post

PROMPT = [{"role": "user", "content": "Tell me a long story about a dragon."}]


def wait_for_baseline(server, timeout=1.0):
    """KV usage and running/waiting counts back to zero within `timeout` seconds; returns the last metrics."""
    deadline = time.time() + timeout
    while True:
        m = server.metrics()
        idle = (m["vllm:num_requests_running"] == 0 and m["vllm:num_requests_waiting"] == 0
                and m["vllm:kv_cache_usage_perc"] == 0)
        if idle or time.time() > deadline:
            return idle, m
        time.sleep(0.05)


def test_disconnect_after_three_chunks_frees_everything(start_server):
    s = start_server("--enable-prefix-caching", "false")
    conn, response = post(s.port, "/v1/chat/completions",
                          {"messages": PROMPT, "stream": True, "max_tokens": 2000, "extra": 1, "ignore_eos": True})
    received = 0
    for _ in events(response):
        received += 1
        if received == 3:
            break
    assert s.metrics()["vllm:num_requests_running"] == 1
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    idle, m = wait_for_baseline(s, 1.0)
    assert idle, m


def test_disconnect_while_queued_frees_everything(start_server):
    s = start_server("--max-num-seqs", "1", "--enable-prefix-caching", "false")
    busy_conn, busy = post(s.port, "/v1/chat/completions",
                           {"messages": PROMPT, "stream": True, "max_tokens": 2000, "ignore_eos": True})
    next(events(busy))   # the running one has started
    queued_conn, _ = None, None
    queued_conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    queued_conn.request("POST", "/v1/chat/completions", body=json.dumps(
        {"messages": PROMPT, "stream": True, "max_tokens": 2000, "ignore_eos": True}),
        headers={"Content-Type": "application/json"})
    deadline = time.time() + 10
    while s.metrics()["vllm:num_requests_waiting"] < 1 and time.time() < deadline:
        time.sleep(0.02)
    assert s.metrics()["vllm:num_requests_waiting"] == 1
    queued_conn.sock.shutdown(socket.SHUT_RDWR)
    queued_conn.close()
    deadline = time.time() + 1.0
    while s.metrics()["vllm:num_requests_waiting"] > 0 and time.time() < deadline:
        time.sleep(0.02)
    assert s.metrics()["vllm:num_requests_waiting"] == 0
    busy_conn.sock.shutdown(socket.SHUT_RDWR)
    busy_conn.close()
    idle, m = wait_for_baseline(s, 1.0)
    assert idle, m


def stream_one(base_url, i, max_tokens=24):
    client = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=300)
    text = ""
    for chunk in client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": f"User {i}: write a short poem about the number {i}."}],
            max_tokens=max_tokens, stream=True, extra_body={"ignore_eos": True}):
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
    return text


def test_fifty_concurrent_streaming_clients(server):
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda i: stream_one(server.base_url, i), range(50)))
    assert len(results) == 50 and all(isinstance(r, str) for r in results)
    idle, m = wait_for_baseline(server, 5.0)
    assert idle, m


def test_burst_beyond_max_queued_gets_429_and_admitted_ones_complete(start_server, schemas):
    s = start_server("--max-num-seqs", "2", "--max-queued", "2")

    def one(i):
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=120)
        conn.request("POST", "/v1/chat/completions", body=json.dumps(
            {"messages": [{"role": "user", "content": f"count to {i}"}], "max_tokens": 40, "ignore_eos": True}),
            headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.getheader("Retry-After"), r.read()

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        results = list(pool.map(one, range(12)))
    statuses = [r[0] for r in results]
    assert statuses.count(429) > 0 and statuses.count(200) >= 4
    assert set(statuses) <= {200, 429}
    for status, retry_after, body in results:
        if status == 429:
            assert retry_after is not None
            validate(json.loads(body), schemas["error"])
        else:
            assert json.loads(body)["choices"][0]["finish_reason"] == "length"


def test_sigterm_drains_in_flight_requests(start_server):
    s = start_server("--drain-timeout", "30")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        # Long enough (ignore_eos, 400 tokens each) to still be running when /health is asked.
        futures = [pool.submit(stream_one, s.base_url, i, 400) for i in range(4)]
        time.sleep(0.3)
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.1)
        # Draining: /health and new requests get 503.
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(s.base + "/health", timeout=5)
        assert e.value.code == 503
        results = [f.result(timeout=120) for f in futures]
    assert all(isinstance(r, str) for r in results)
    assert s.proc.wait(60) == 0


def test_api_key(start_server, schemas):
    s = start_server("--api-key", "sekret,other")
    with urllib.request.urlopen(s.base + "/health", timeout=5) as r:   # public
        assert r.status == 200
    for key in (None, "wrong"):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        conn, r = post(s.port, "/v1/chat/completions", {"messages": PROMPT, "max_tokens": 2}, headers)
        assert r.status == 401
        assert r.getheader("WWW-Authenticate") == "Bearer"
        body = json.loads(r.read())
        validate(body, schemas["error"])
        assert body["error"]["code"] == "invalid_api_key"
    client = openai.OpenAI(base_url=s.base_url, api_key="other", max_retries=0)
    assert client.chat.completions.create(model="m", messages=PROMPT, max_tokens=2).choices
    assert "sekret" not in s.log_text()


def test_cors_preflight_needs_no_key(start_server):
    s = start_server("--api-key", "k", "--allowed-origins", "http://app.example")
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    conn.request("OPTIONS", "/v1/chat/completions", headers={
        "Origin": "http://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    r = conn.getresponse()
    assert r.status == 204
    assert r.getheader("Access-Control-Allow-Origin") == "http://app.example"
    assert "POST" in r.getheader("Access-Control-Allow-Methods")
