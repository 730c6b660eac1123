"""Helpers of the end-to-end tests: the real server process (`edgeserve serve` on 127.0.0.1, a free port, the
bundled SmolLM2 GGUF unless told otherwise, stopped with SIGTERM) and JSON Schema validation."""
import json
import pathlib
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import jsonschema

SCHEMAS = pathlib.Path(__file__).resolve().parent / "schemas"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, model, *flags, ready_timeout=120):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="edgeserve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([binary, "serve", model, "--host", "127.0.0.1", "--port", str(self.port), *flags],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        self.base_url = self.base + "/v1"
        deadline = time.time() + ready_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_text()}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not become ready: " + self.log_text())

    def log_text(self) -> str:
        return pathlib.Path(self.log.name).read_text(errors="replace")

    def stop(self, timeout=60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def metrics(self) -> dict:
        """The unlabelled-by-reason gauges and counters of /metrics, by metric name."""
        with urllib.request.urlopen(self.base + "/metrics", timeout=5) as r:
            text = r.read().decode()
        values = {}
        for line in text.splitlines():
            if line.startswith("#") or "_bucket{" in line:
                continue
            name_labels, value = line.rsplit(" ", 1)
            values[name_labels.split("{")[0] if "finished_reason" not in name_labels else name_labels] = float(value)
        return values


def load_schema(name):
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def validate(instance, schema):
    jsonschema.validate(instance, schema)
