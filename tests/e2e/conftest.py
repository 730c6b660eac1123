"""Fixtures of the end-to-end tests: one server per session, and servers with their own flags per test."""
import pytest

from harness import Server, load_schema


@pytest.fixture(scope="session")
def server(edgeserve_bin, default_model):
    s = Server(edgeserve_bin, default_model, "--max-queued", "64")
    yield s
    s.stop()


@pytest.fixture
def start_server(edgeserve_bin, default_model):
    started = []

    def start(*flags):
        s = Server(edgeserve_bin, default_model, *flags)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture(scope="session")
def schemas():
    return {name: load_schema(name) for name in
            ["chat_completion", "chat_completion_chunk", "completion", "error", "model_list", "model"]}
