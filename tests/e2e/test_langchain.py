"""LangChain `ChatOpenAI` (langchain-openai) against the real server: invoke, stream, stream_usage,
max_tokens (LangChain sends it as max_completion_tokens) and .batch() of 8."""
import pytest
from langchain_openai import ChatOpenAI


@pytest.fixture(scope="module")
def llm(server):
    return ChatOpenAI(base_url=server.base_url, api_key="unused", model="smollm2", temperature=0, max_tokens=20,
                      max_retries=0, timeout=120)


def test_invoke_and_stream_agree(llm):
    answer = llm.invoke("What is the capital of France?")
    assert answer.content
    streamed = "".join(chunk.content for chunk in llm.stream("What is the capital of France?"))
    assert streamed == answer.content
    assert answer.usage_metadata["output_tokens"] <= 20


def test_stream_usage(server):
    llm = ChatOpenAI(base_url=server.base_url, api_key="unused", model="m", temperature=0, max_tokens=8,
                     stream_usage=True, max_retries=0)
    total = None
    for chunk in llm.stream("Say hello."):
        total = chunk if total is None else total + chunk
    assert total.usage_metadata["input_tokens"] > 0
    assert 0 < total.usage_metadata["output_tokens"] <= 8


def test_batch_of_eight(llm):
    prompts = [f"Give me a word that rhymes with number {i}." for i in range(8)]
    answers = llm.batch(prompts)
    assert len(answers) == 8
    assert all(a.content for a in answers)
