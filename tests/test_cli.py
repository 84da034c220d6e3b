"""`noai-check check` and `noai-check robots`: JSON contract, tables, exit codes, against a live replica."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from noai_check.cli import main
from noai_check.replica import start_replica
from tests.crawling import REPO
from tests.rawhttp import raw_server, response

CHECK_KEYS = {"url", "final_url", "status", "error", "page", "site", "agents", "findings"}


def run_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_check_json_contract_on_agent_scoped_header(replica, capsys):
    data = run_json(capsys, "check", replica.url("/marta-kessler/sketch-no-1"), "--json", "--agent", "GPTBot", "--agent", "CCBot", "--agent", "ClaudeBot")
    assert CHECK_KEYS <= set(data)
    assert data["status"] == 200 and data["error"] is None
    page = data["page"]
    assert page["noai"] is False and page["noimageai"] is False  # GPTBot-only, never global
    assert page["agent_directives"] == {"gptbot": ["noai", "noimageai"]}
    assert set(data["site"]) == {"robots_txt", "tdmrep_json", "ai_txt", "llms_txt"}
    assert data["site"]["robots_txt"]["status"] == 200 and len(data["site"]["robots_txt"]["sha256"]) == 64
    assert set(data["agents"]) == {"GPTBot", "CCBot", "ClaudeBot"}
    gpt = data["agents"]["GPTBot"]
    assert gpt["robots_allowed"] is False and gpt["training"] == "reserved"
    assert any("noai addressed to GPTBot" in reason for reason in gpt["reasons"])
    assert any(f["signal"] == "noai" and f["agent"] == "gptbot" and "X-Robots-Tag: GPTBot" in f["evidence"] for f in data["findings"])


def test_check_whole_registry_by_default(replica, capsys):
    data = run_json(capsys, "check", replica.url("/lofi-harbor/low-tide"), "--json")
    assert len(data["agents"]) >= 60
    assert data["page"]["noai"] is True
    assert {v["training"] for v in data["agents"].values()} == {"reserved"}


def test_check_tdm_layers_and_conflict(replica, capsys):
    data = run_json(capsys, "check", replica.url("/open-label/tdm-zero-noai"), "--json", "--agent", "GPTBot")
    assert data["page"]["tdm_reservation"] == 0 and data["page"]["noai"] is True
    assert data["agents"]["GPTBot"]["training"] == "reserved"
    assert any(f["signal"] == "conflict" and "tdm-reservation" in f["value"] for f in data["findings"])


def test_check_tables_for_people(replica, capsys):
    assert main(["check", replica.url("/lofi-harbor/low-tide"), "--agent", "GPTBot"]) == 0
    out = capsys.readouterr().out
    assert "Verdicts per agent" in out and "GPTBot" in out and "reserved" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "ftp://example.com/"], "not an http(s) URL"),
        (["check"], "the following arguments are required"),
        (["robots", "/nonexistent/robots.txt"], "cannot read"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2


def test_check_unreachable_url_exits_2(capsys):
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    assert main(["check", "http://127.0.0.1:9/x", "--timeout", "2"]) == 2
    assert "could not fetch" in capsys.readouterr().err


def test_robots_command_json(tmp_path, capsys):
    robots = tmp_path / "robots.txt"
    robots.write_text(
        "User-agent: GPTBot\nContent-Signal: ai-train=no\nUser-agent: CCBot\nDisallow: /\n\n"
        "User-agent: *\nContent-Usage: train-ai=n\nContent-Usage: /open/ train-ai=y\nDisallow: /private\n"
    )
    data = run_json(capsys, "robots", str(robots), "--json", "--agent", "GPTBot", "--agent", "ClaudeBot",
                    "--url", "/", "--url", "/open/x", "--url", "/private/y")
    verdicts = {(v["agent"], v["url"]): (v["allowed"], v["line"]) for v in data["verdicts"]}
    assert verdicts[("GPTBot", "/")] == (False, 4)  # Content-Signal between UA lines does not split the group
    assert verdicts[("ClaudeBot", "/private/y")] == (False, 9)
    assert verdicts[("ClaudeBot", "/")] == (True, None)
    assert data["content_signal"] == {"GPTBot": {"ai-train": False}}
    assert data["content_usage"]["ClaudeBot"] == {"/": {"train-ai": "n"}, "/open/x": {"train-ai": "y"}}
    assert any(d["agent"] == "GPTBot" for d in data["disagreements"]), "protego splits the group at Content-Signal"


def test_robots_command_status_outcomes(tmp_path, capsys):
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: *\nDisallow: /\n")
    assert run_json(capsys, "robots", str(robots), "--status", "404", "--json", "--agent", "GPTBot")["verdicts"][0]["allowed"] is True
    five = run_json(capsys, "robots", str(robots), "--status", "503", "--json", "--agent", "GPTBot")
    assert five["outcome"] == "disallow-all" and five["verdicts"][0]["allowed"] is False


def test_robots_urls_file_and_agents_file(tmp_path, capsys):
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: MyBot\nDisallow: /x\n")
    urls = tmp_path / "urls.txt"
    urls.write_text("/x\n/y\n")
    agents = tmp_path / "agents.txt"
    agents.write_text("MyBot,training,Me\n")
    data = run_json(capsys, "robots", str(robots), "--urls-file", str(urls), "--agents-file", str(agents), "--agent", "MyBot", "--json")
    assert [(v["url"], v["allowed"]) for v in data["verdicts"]] == [("/x", False), ("/y", True)]


def test_console_script_help():
    result = subprocess.run([sys.executable, "-m", "noai_check.cli", "--help"], capture_output=True, text=True, cwd=REPO,
                            check=False)
    assert result.returncode == 0
    for command in ("check", "robots", "demo", "report"):
        assert command in result.stdout


def test_check_json_says_a_versioned_user_agent_line_is_read_as_google_reads_it(capsys):
    # "User-agent: GPTBot/1.0" is no RFC 9309 token: Google reads it as GPTBot, stricter parsers ignore it.
    with start_replica("soundcloud-versioned-agent") as running:
        data = run_json(capsys, "check", running.url("/lofi-harbor/harbor-lights"), "--json", "--agent", "GPTBot", "--agent", "CCBot")
    gpt = data["agents"]["GPTBot"]
    assert gpt["robots_allowed"] is False and gpt["robots_line"] == 2 and gpt["training"] == "reserved"
    [reason] = [reason for reason in gpt["reasons"] if "robots.txt" in reason]
    assert "'User-agent: GPTBot/1.0' is not a valid RFC 9309 product token" in reason
    assert "RFC-strict parsers ignore that line" in reason
    assert data["agents"]["CCBot"]["robots_allowed"] is True
    [finding] = [f for f in data["findings"] if f["value"] == "invalid-product-token"]
    assert finding["source"] == "robots.txt" and "robots.txt line 1: User-agent: GPTBot/1.0" in finding["evidence"]
    assert "RFC-strict parsers ignore the line" in finding["evidence"]


# ---------------------------------------------------------------- bad input: one line, exit 2 (issue 10, item 9)


def one_line_error(capsys, argv: list[str]) -> str:
    """Run the CLI; assert exit 2 and a single stderr line without a traceback; return that line."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def robots_file(tmp_path):
    path = tmp_path / "robots.txt"
    path.write_text("User-agent: *\nDisallow: /\n")
    return str(path)


@pytest.mark.parametrize("argv, message", [
    (["robots", "{robots}", "--url", "http://[::1"], "not a valid URL or path"),
    (["check", "http://127.0.0.1:abc/"], "not a valid URL"),
    (["check", "http://127.0.0.1:9/a b"], "contains a space at position 20"),
    (["check", "http://127.0.0.1:9/a\x01b"], "contains a control character"),
    (["check", "http://127.0.0.1:9/a\nb"], "contains a control character"),
    (["check", "http://127.0.0.1:99999/"], "not a valid URL"),
    (["check", "http:///nohost"], "has no host"),
    (["check", "http://127.0.0.1:9/", "--timeout", "inf"], "argument --timeout"),
    (["check", "http://127.0.0.1:9/", "--timeout", "nan"], "argument --timeout"),
    (["check", "http://127.0.0.1:9/", "--timeout", "-1"], "argument --timeout"),
    (["check", "http://127.0.0.1:9/", "--timeout", "0"], "argument --timeout"),
    (["check", "http://127.0.0.1:9/", "--timeout", "1e300"], "argument --timeout"),
    (["robots", "{robots}", "--status", "-5"], "an HTTP status is a number from 100 to 599, not -5"),
    (["robots", "{robots}", "--status", "abc"], "an HTTP status is a number"),
    (["robots", "{robots}", "--agent", "NoSuchBot"], "unknown --agent 'NoSuchBot'"),
    (["check", "http://127.0.0.1:9/", "--agent", "NoSuchBot"], "add your own with --agents-file"),
    (["robots", "{robots}", "--urls-file", "{tmp}/missing.txt"], "cannot read --urls-file"),
    (["robots", "{robots}", "--urls-file", "{tmp}"], "cannot read --urls-file"),
    (["robots", "{robots}", "--urls-file", "{tmp}/binary"], "is not UTF-8 text"),
    (["robots", "{robots}", "--agents-file", "{tmp}/deep.json"], "nested too deeply"),
    (["robots", "{robots}", "--agents-file", "{tmp}/binary"], "not UTF-8"),
    (["demo", "--scenario", "{tmp}/deep.json"], "nested too deeply"),
    (["demo", "--scenario", "{tmp}/binary"], "not UTF-8"),
    (["demo", "--reports-dir", "{robots}"], "is not a directory"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, robots_file, capsys, argv, message):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "binary").write_bytes(bytes(range(256)) * 4)
    argv = [a.format(robots=robots_file, tmp=tmp_path) for a in argv]
    assert message in one_line_error(capsys, argv)


def test_bad_input_in_a_real_process_is_one_line(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for argv in (["check", "http://127.0.0.1:abc/"], ["check", "http://127.0.0.1:9/", "--timeout", "inf"],
                 ["robots", str(deep), "--agents-file", str(deep)]):
        result = subprocess.run([sys.executable, "-m", "noai_check.cli", *argv], capture_output=True, text=True,
                                cwd=REPO, check=False, timeout=60)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_bug_shows_its_traceback_and_exits_3(robots_file, capsys, monkeypatch):
    def broken(args, console):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("noai_check.cli.robots.cmd_robots", broken)
    assert main(["robots", robots_file]) == 3
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "internal error" in err and "bug in noai-check" in err


# ---------------------------------------------------------------- malformed responses from a raw server


def many_headers(path: str) -> list[bytes]:
    return [response(headers=[(f"X-H{i}", "v") for i in range(150)], body=b"ok")]


def long_header(path: str) -> list[bytes]:
    return [response(headers=[("X-Long", "a" * 1_000_000)], body=b"ok")]


@pytest.mark.parametrize("answer, message", [
    (many_headers, "got more than 100 headers"),
    (long_header, "got more than 65536 bytes when reading header line"),
])
def test_a_malformed_response_is_one_line_and_exit_2(capsys, answer, message):
    with raw_server(answer) as base:
        err = one_line_error(capsys, ["check", base + "/", "--agent", "GPTBot", "--timeout", "5"])
    assert "could not fetch" in err and message in err


def redirect_with_a_space(path: str) -> list[bytes]:
    if path == "/start":
        return [response("302 Found", [("Location", "/p/a b")])]
    if path == "/p/a%20b":
        return [response(headers=[("Content-Type", "text/html")],
                         body=b'<html><head><meta name="robots" content="noai"></head><body>x</body></html>')]
    return [response("404 Not Found")]


def test_a_redirect_to_a_location_with_a_space_is_followed_percent_encoded(capsys):
    # Browsers and Scrapy encode the space; `check` must judge the same final page the crawl would.
    with raw_server(redirect_with_a_space) as base:
        data = run_json(capsys, "check", base + "/start", "--json", "--agent", "GPTBot", "--timeout", "5")
    assert data["status"] == 200 and data["final_url"] == base + "/p/a%20b"
    assert data["page"]["noai"] is True and data["agents"]["GPTBot"]["training"] == "reserved"


# ---------------------------------------------------------------- a total deadline per fetch (item 12)


def slow_body(path: str) -> Iterator[bytes]:
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n"
    yield from (b"x" for _ in range(40))


def slow_headers(path: str) -> Iterator[bytes]:
    yield from (bytes([b]) for b in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 40)


@pytest.mark.parametrize("answer", [slow_body, slow_headers])
def test_check_gives_up_on_a_slow_server_at_the_timeout(capsys, answer):
    # One byte every 0.5 s keeps each read well inside --timeout; only a total deadline ends it.
    with raw_server(answer, pause=0.5) as base:
        started = time.monotonic()
        err = one_line_error(capsys, ["check", base + "/", "--agent", "GPTBot", "--timeout", "1.5"])
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 1.5, elapsed
    assert "no complete answer within 1.5 s (--timeout)" in err


def non_ascii_page(path: str) -> list[bytes]:
    if path == "/%C3%BCber":
        return [response(headers=[("Content-Type", "text/html")], body=b'<meta name="robots" content="noai">')]
    return [response("404 Not Found")]


def test_a_non_ascii_path_is_sent_percent_encoded(capsys):
    with raw_server(non_ascii_page) as base:
        data = run_json(capsys, "check", base + "/\u00fcber", "--json", "--agent", "GPTBot", "--timeout", "5")
    assert data["status"] == 200 and data["final_url"] == base + "/%C3%BCber" and data["page"]["noai"] is True


@pytest.mark.parametrize("command", ["verify", "diff"])
def test_a_reports_dir_that_is_a_file_is_named(robots_file, capsys, command):
    err = one_line_error(capsys, [command, "soundcloud", "--reports-dir", robots_file])
    assert f"--reports-dir {robots_file} is not a directory" in err
