"""The README's curl examples (stream and non-stream, quick start and thinking mode) and its LangChain
snippets, run as written against the real server (only the port is changed to the test server's)."""
import json
import pathlib
import re
import subprocess
import sys

README = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def curl_commands():
    found = [b for b in blocks("sh") if "curl" in b and "/v1/chat/completions" in b]
    assert found, "README has no curl example"
    commands = []
    for block in found:
        commands += [c for c in re.split(r"\n(?=curl )", block.strip()) if c.startswith("curl")]
    return commands


def test_readme_curl_examples(server):
    commands = curl_commands()
    assert any('"stream": true' in c for c in commands) and any('"stream": true' not in c for c in commands)
    for command in commands:
        command = command.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
        out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        if '"stream": true' in command:
            data = [line[6:] for line in out.stdout.splitlines() if line.startswith("data: ")]
            assert data[-1] == "[DONE]"
            assert all(json.loads(d)["object"] == "chat.completion.chunk" for d in data[:-1])
        else:
            assert json.loads(out.stdout)["choices"][0]["message"]["content"]


def test_readme_langchain_snippets(server):
    snippets = [b for b in blocks("python") if "ChatOpenAI" in b]
    assert len(snippets) >= 2, "README has the quick-start and the thinking-mode LangChain snippets"
    for snippet in snippets:
        code = snippet.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip()
