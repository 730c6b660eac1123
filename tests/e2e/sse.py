"""A raw SSE reader for tests that check the wire itself (stream order rules, disconnects)."""
import http.client
import json


def post(port, path, body, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    conn.request("POST", path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    return conn, conn.getresponse()


def events(response):
    """Yields each SSE data payload (str) as it arrives; comments are skipped."""
    buffer = b""
    while True:
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(1)
        if not chunk:
            return
        buffer += chunk
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if line.startswith(b"data: "):
                    yield line[6:].decode()
