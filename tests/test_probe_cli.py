"""`noai-check probe URL`: real requests to the site-enforce replica, every bucket and verdict, faults and politeness."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from noai_check.cli import main
from noai_check.replica import Replica

AGENTS = ["GPTBot", "CCBot", "Amazonbot", "Applebot", "ChatGPT-User"]


def probe(capsys: pytest.CaptureFixture[str], url: str, *agents: str) -> dict[str, object]:
    argv = ["probe", url, "--json", "--timeout", "5"]
    for agent in agents:
        argv += ["--agent", agent]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.fixture
def enforce(start_scenario: Callable[[str], Replica]) -> Replica:
    return start_scenario("site-enforce")


def test_every_bucket_and_verdict_on_a_page_with_noai(enforce: Replica, capsys: pytest.CaptureFixture[str]) -> None:
    data = probe(capsys, enforce.url("/books/the-harbour"), *AGENTS, "ClaudeBot")
    rows = {row["agent"]: row for row in data["results"]}  # type: ignore[attr-defined]
    assert [row["agent"] for row in data["results"]] == ["browser", *AGENTS]  # type: ignore[attr-defined]
    assert {agent: row["bucket"] for agent, row in rows.items()} == {
        "browser": "baseline", "GPTBot": "blocked", "CCBot": "challenge", "Amazonbot": "served-different",
        "Applebot": "served", "ChatGPT-User": "rate-limited"}
    assert rows["GPTBot"]["status"] == 403 and rows["ChatGPT-User"]["status"] == 429
    assert rows["Applebot"]["same_as_browser"] is True and rows["Amazonbot"]["same_as_browser"] is False
    assert rows["browser"]["signals"] == {"noai": True, "noimageai": True}
    assert rows["Applebot"]["signals"] == {"noai": False, "noimageai": False}
    assert "GPTBot/1.0" in rows["GPTBot"]["user_agent"] and "Chrome/" in rows["browser"]["user_agent"]
    assert data["verdicts"] == {"GPTBot": "enforced", "CCBot": "enforced", "Amazonbot": "enforced",
                                "Applebot": "declared-only", "ChatGPT-User": "unknown"}
    assert data["not_probed"] == {"ClaudeBot": "cannot be probed: its operator publishes no full user-agent string we could confirm"}
    differ = [f for f in data["findings"] if f["signal"] == "signals-differ-by-agent"]  # type: ignore[attr-defined]
    assert [f["agent"] for f in differ] == ["Applebot"]  # the same page without its noai; a stub is not the page
    assert data["stopped"] and data["label"] == "user agent spoofed for measurement"
    assert all(row["label"] == "user agent spoofed for measurement" for row in data["results"])  # type: ignore[attr-defined]


def test_undeclared_page_gives_not_declared_and_blocked_undeclared(enforce: Replica, capsys: pytest.CaptureFixture[str]) -> None:
    data = probe(capsys, enforce.url("/about"), "GPTBot", "Amazonbot", "Applebot")
    # /about has no noai: Amazonbot (not in robots.txt) gets a stub, Applebot the page.
    assert data["verdicts"] == {"GPTBot": "enforced", "Amazonbot": "blocked-undeclared", "Applebot": "not-declared"}
    assert data["findings"] == [] and data["stopped"] is None


def test_a_429_stops_the_probe_of_the_host(enforce: Replica, capsys: pytest.CaptureFixture[str]) -> None:
    data = probe(capsys, enforce.url("/about"), "ChatGPT-User", "GPTBot", "Applebot")
    buckets = [(row["agent"], row["bucket"], row["status"]) for row in data["results"]]  # type: ignore[attr-defined]
    assert buckets == [("browser", "baseline", 200), ("ChatGPT-User", "rate-limited", 429),
                       ("GPTBot", "not-sent", None), ("Applebot", "not-sent", None)]
    assert data["verdicts"] == {"ChatGPT-User": "unknown", "GPTBot": "unknown", "Applebot": "unknown"}
    assert "429" in data["stopped"]  # type: ignore[operator]


def test_our_own_robots_group_is_obeyed_before_any_probe(enforce: Replica, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", enforce.url("/private/drafts"), "--agent", "Applebot"]) == 2
    err = capsys.readouterr().err
    assert "disallows noai-check" in err and "nothing was probed" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["probe", "http://127.0.0.1:9/", "--agent", "NoSuchBot"],
                                  ["probe", "not a url"], ["probe", "ftp://example.com/"],
                                  ["probe", "http://127.0.0.1:9/", "--timeout", "0"]])
def test_bad_input_is_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and "Traceback" not in err


class _AgentServer(BaseHTTPRequestHandler):
    """A browser gets a page; an agent gets ``server.agent_answer`` (status, or 'reset'/'hang'); every From: is kept."""

    protocol_version = "HTTP/1.0"
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("User-Agent", ""), self.headers.get("From")))  # type: ignore[attr-defined]
        agent = "Chrome/" not in self.headers.get("User-Agent", "")
        answer = self.server.agent_answer if agent else self.server.browser_answer  # type: ignore[attr-defined]
        if self.path != "/page":
            answer = "404"  # no site files: everything allowed, nothing declared
        if answer == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            return
        if answer == "hang":
            threading.Event().wait(3)
            return
        body = b"<html><head><title>P</title></head><body>a page with enough words to compare here</body></html>"
        self.send_response(int(answer))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def agent_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AgentServer)
    server.daemon_threads = True
    server.seen, server.agent_answer, server.browser_answer = [], "200", "200"  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/page"


@pytest.mark.parametrize(("answer", "bucket"), [("reset", "error"), ("500", "error"), ("402", "paywall"), ("451", "blocked")])
def test_faults_per_agent(agent_server: ThreadingHTTPServer, answer: str, bucket: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
    agent_server.agent_answer = answer  # type: ignore[attr-defined]
    data = probe(capsys, _url(agent_server), "GPTBot")
    row = data["results"][1]  # type: ignore[index]
    assert row["bucket"] == bucket and row["reason"]


def test_a_timeout_is_error_with_its_reason(agent_server: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    agent_server.agent_answer = "hang"  # type: ignore[attr-defined]
    assert main(["probe", _url(agent_server), "--json", "--timeout", "0.5", "--agent", "GPTBot"]) == 0
    row = json.loads(capsys.readouterr().out)["results"][1]
    assert row["bucket"] == "error" and ("0.5 s" in row["reason"] or "timed out" in row["reason"])


def test_a_failed_baseline_is_unknown_never_blocked(agent_server: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    agent_server.browser_answer, agent_server.agent_answer = "503", "403"  # type: ignore[attr-defined]
    data = probe(capsys, _url(agent_server), "GPTBot")
    assert data["results"][1]["bucket"] == "unknown" and data["verdicts"] == {"GPTBot": "unknown"}  # type: ignore[index]


def test_from_header_only_with_noai_contact(agent_server: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    probe(capsys, _url(agent_server), "GPTBot")
    assert {sent_from for path, _, sent_from in agent_server.seen if path == "/page"} == {None}  # type: ignore[attr-defined]
    agent_server.seen.clear()  # type: ignore[attr-defined]
    monkeypatch.setenv("NOAI_CONTACT", "audit@example.org")
    probe(capsys, _url(agent_server), "GPTBot", "CCBot")
    probes = [(ua, sent_from) for path, ua, sent_from in agent_server.seen if path == "/page"]  # type: ignore[attr-defined]
    assert len(probes) == 3 and {sent_from for _, sent_from in probes} == {"audit@example.org"}


def test_terminal_output_names_the_label(enforce: Replica) -> None:
    done = subprocess.run([sys.executable, "-m", "noai_check.cli", "probe", enforce.url("/about"), "--agent", "GPTBot"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "GPTBot: enforced (user agent spoofed for measurement)" in done.stdout
