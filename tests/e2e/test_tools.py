"""Tool calling and structured output end to end on the bundled SmolLM2 (a 135M model that gets formats wrong
when free): tool_choice required / named and response_format are enforced by the grammar, so every call and
every JSON answer parses and validates. The openai SDK, raw SSE deltas and LangChain (bind_tools,
with_structured_output in its three methods) are the clients."""
import json

import jsonschema
import openai
import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from sse import events, post

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 40}},
                   "required": ["city"], "additionalProperties": False}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "description": "Local time in a timezone",
    "parameters": {"type": "object", "properties": {"tz": {"type": "string", "enum": ["UTC", "CST", "PST"]}},
                   "required": ["tz"]}}}
QUESTION = "上海今天适合晾衣服吗？顺便告诉我温度。"


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=300)


def check_call(call, tools):
    spec = next(t["function"] for t in tools if t["function"]["name"] == call.function.name)
    jsonschema.validate(json.loads(call.function.arguments), spec["parameters"])


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_time"}}])
def test_forced_tool_call_is_valid(client, choice):
    tools = [WEATHER, TIME]
    r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": QUESTION}], tools=tools,
                                       tool_choice=choice, max_tokens=200)
    assert r.choices[0].finish_reason == "tool_calls"
    calls = r.choices[0].message.tool_calls
    assert len(calls) >= 1
    for call in calls:
        check_call(call, tools)
    if isinstance(choice, dict):
        assert calls[0].function.name == "get_time"


def test_streamed_tool_call_deltas_join_to_the_non_stream_call(server, client):
    body = {"messages": [{"role": "user", "content": QUESTION}], "tools": [WEATHER], "tool_choice": "required",
            "max_tokens": 200, "temperature": 0}
    full = client.chat.completions.create(model="m", **body).choices[0].message.tool_calls
    _, response = post(server.port, "/v1/chat/completions", {**body, "stream": True})
    calls = {}
    for payload in events(response):
        if payload == "[DONE]":
            break
        chunk = json.loads(payload)
        for d in chunk["choices"][0]["delta"].get("tool_calls", []):
            assert "index" in d                                       # index on every delta
            entry = calls.setdefault(d["index"], {"name": None, "arguments": ""})
            if "name" in d.get("function", {}):
                assert entry["name"] is None                          # the name comes once
                entry["name"] = d["function"]["name"]
            entry["arguments"] += d.get("function", {}).get("arguments", "")
    assert [(c["name"], json.loads(c["arguments"])) for c in calls.values()] == \
           [(c.function.name, json.loads(c.function.arguments)) for c in full]


def test_the_motivating_scenario(client):
    messages = [{"role": "user", "content": QUESTION}]
    r = client.chat.completions.create(model="m", messages=messages, tools=[WEATHER], tool_choice="required",
                                       max_tokens=200)
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)
    messages += [r.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 26°C, humidity 40%"}]
    final = client.chat.completions.create(model="m", messages=messages, tools=[WEATHER], max_tokens=40)
    assert final.choices[0].message.content


@pytest.mark.parametrize("kind", ["json_schema", "json_object"])
def test_response_format(client, kind):
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 30},
                                                "age": {"type": "integer"},
                                                "tags": {"type": "array", "items": {"type": "string", "maxLength": 10},
                                                         "maxItems": 3}},
              "required": ["name", "age", "tags"], "additionalProperties": False}
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": schema, "strict": True}} \
        if kind == "json_schema" else {"type": "json_object"}
    # Greedy: a free JSON object has no size bound, so a sampled one may run past max_tokens (finish "length").
    prompt = "Give me a JSON object with the keys name and age for a fictional person."
    r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}],
                                       response_format=fmt, max_tokens=200, temperature=0)
    assert r.choices[0].finish_reason == "stop"
    value = json.loads(r.choices[0].message.content)
    assert isinstance(value, dict)
    if kind == "json_schema":
        jsonschema.validate(value, schema)


def test_bad_schema_is_a_400(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], max_tokens=5,
                                       response_format={"type": "json_schema", "json_schema": {"name": "x"}})
    assert e.value.body["param"] == "response_format"


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return "sunny"


class Person(BaseModel):
    name: str
    age: int


@pytest.fixture(scope="module")
def llm(server):
    # Greedy: the answers are then reproducible (json_mode constrains the JSON, not its keys).
    return ChatOpenAI(base_url=server.base_url, api_key="x", model="m", max_tokens=200, temperature=0, max_retries=0,
                      timeout=300)


@pytest.mark.parametrize("choice", ["get_weather", "any"])
def test_langchain_bind_tools(llm, choice):
    bound = llm.bind_tools([get_weather], tool_choice=choice)
    message = bound.invoke(QUESTION)
    assert message.tool_calls and message.tool_calls[0]["name"] == "get_weather"
    assert isinstance(message.tool_calls[0]["args"]["city"], str)
    streamed = None
    for chunk in bound.stream(QUESTION):
        streamed = chunk if streamed is None else streamed + chunk
    assert isinstance(streamed, AIMessageChunk)
    assert streamed.tool_calls and streamed.tool_calls[0]["name"] == "get_weather"
    assert isinstance(streamed.tool_calls[0]["args"]["city"], str)


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_langchain_with_structured_output(llm, method):
    structured = llm.with_structured_output(Person, method=method)
    prompt = "Invent a person. Answer as a JSON object with keys name (a string) and age (an integer)."
    person = structured.invoke(prompt)
    assert isinstance(person, Person)
