# The two commands of the README:
#   make run   installs, builds and runs edgeserve on the default model (SmolLM2-135M-Instruct Q4_1)
#   make test  installs, builds and runs every test (what CI runs)
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup build run test test-cpp test-python clean fuzz

all: build

setup:
	scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

# Serves the bundled SmolLM2 GGUF on http://127.0.0.1:8000/v1 (Ctrl-C drains and stops).
run: build
	$(BUILD)/edgeserve serve

test: build
	$(MAKE) test-cpp test-python

test-cpp:
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-python:
	EDGESERVE_BIN=$(abspath $(BUILD))/edgeserve .venv/bin/python -m pytest -q tests/python tests/e2e

fuzz:
	scripts/fuzz.sh

clean:
	rm -rf $(BUILD)
