"""`noai-check check` and `noai-check robots`: JSON contract, tables, exit codes, against a live replica."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from noai_check.cli import main
from noai_check.replica import start_replica
from tests.crawling import REPO

CHECK_KEYS = {"url", "final_url", "status", "error", "page", "site", "agents", "findings"}


@pytest.fixture(scope="module")
def replica():
    with start_replica("soundcloud") as running:
        yield running


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
