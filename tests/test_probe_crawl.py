"""`scrapy crawl site -a probe=N` against the site-enforce replica, for real: probes.jsonl, report.json, report.html."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from noai_check.replica import Replica, start_replica
from tests.crawling import FAST, REPO

AGENTS = "GPTBot,CCBot,Amazonbot,Applebot"
LABEL = "user agent spoofed for measurement"


def crawl(replica: Replica, reports: Path, *args: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"url={replica.base_url}/", "-a", "seed=7"]
    for arg in args:
        command += ["-a", arg]
    for key, value in {**FAST, "NOAI_REPORTS_DIR": str(reports), **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, env=env, check=False)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _stable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("fetched_at",)}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Replica]]:
    """One crawl with probe=2 and one without, of the same replica and seed."""
    with start_replica("site-enforce") as replica:
        with_probe, without = tmp_path_factory.mktemp("with"), tmp_path_factory.mktemp("without")
        done = crawl(replica, with_probe, "probe=2", settings={"NOAI_PROBE_AGENTS": AGENTS, "NOAI_CONTACT": "audit@example.org"})
        assert done.returncode == 0, done.stderr[-3000:]
        done = crawl(replica, without)
        assert done.returncode == 0, done.stderr[-3000:]
        yield with_probe, without, replica


def _out(reports: Path) -> Path:
    (folder,) = [p for p in reports.iterdir() if p.is_dir()]
    return folder


def test_probes_jsonl_has_every_bucket_per_page(crawled: tuple[Path, Path, Replica]) -> None:
    out = _out(crawled[0])
    rows = [r for r in lines(out / "probes.jsonl") if "agent" in r]
    pages = sorted({r["url"] for r in rows})
    base = crawled[2].base_url
    assert base + "/" in pages and len(pages) == 3  # the root and 2 pages of type "page"
    assert not any("/private/" in url for url in pages)  # never what our own robots group disallows
    for url in pages:
        got = {r["agent"]: r["bucket"] for r in rows if r["url"] == url}
        assert got == {"browser": "baseline", "GPTBot": "blocked", "CCBot": "challenge", "Amazonbot": "served-different",
                       "Applebot": "served"}, url
    assert all(set(r) >= {"url", "agent", "user_agent", "status", "bucket", "sha256", "same_as_browser", "signals"} for r in rows)
    assert all(r["label"] == LABEL for r in rows)


def test_report_json_enforcement_and_html_section(crawled: tuple[Path, Path, Replica]) -> None:
    out = _out(crawled[0])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    verdicts = {agent: e["verdict"] for agent, e in report["enforcement"].items()}
    assert verdicts == {"GPTBot": "enforced", "CCBot": "enforced", "Amazonbot": verdicts["Amazonbot"], "Applebot": verdicts["Applebot"]}
    # Amazonbot is reserved only where noai is (the book pages): refused there -> enforced.
    # Applebot is served everywhere; reserved by noai on book pages -> declared-only, unless none was probed.
    books = [u for u in {r["url"] for r in lines(out / "probes.jsonl") if "agent" in r} if "/books/" in u]
    assert verdicts["Amazonbot"] == ("enforced" if books else "blocked-undeclared")
    assert verdicts["Applebot"] == ("declared-only" if books else "not-declared")
    assert report["enforcement"]["GPTBot"]["declared"] is True and report["enforcement"]["GPTBot"]["buckets"] == {"blocked": 3}
    assert report["probes"]["label"] == LABEL and report["probes"]["pages"] == 3
    if books:
        assert {f["agent"] for f in report["probes"]["findings"]} == {"Applebot"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="enforcement"' in html and "Declared vs enforced" in html
    section = html[html.index('id="enforcement"'):html.index('id="site-files"')]
    assert section.count(LABEL) >= 3
    assert "IP address or reverse DNS" in section


def test_probing_leaves_the_main_records_unchanged(crawled: tuple[Path, Path, Replica]) -> None:
    with_probe, without = _out(crawled[0]), _out(crawled[1])
    assert not (without / "probes.jsonl").exists()
    first = sorted((_stable(r) for r in lines(with_probe / "pages.jsonl")), key=lambda r: r["url"])
    second = sorted((_stable(r) for r in lines(without / "pages.jsonl")), key=lambda r: r["url"])
    assert first == second
    assert (with_probe / "verdicts.jsonl").read_text() == (without / "verdicts.jsonl").read_text()
    report = json.loads((without / "report.json").read_text(encoding="utf-8"))
    assert "enforcement" not in report


def test_without_probe_nothing_is_sent_as_an_agent(tmp_path: Path) -> None:
    seen: list[str] = []
    with start_replica("site-enforce") as replica:
        done = crawl(replica, tmp_path, settings={"NOAI_PROBE_AGENTS": AGENTS, "LOG_LEVEL": "DEBUG"})
        assert done.returncode == 0, done.stderr[-3000:]
        seen = [line for line in done.stderr.splitlines() if "(403)" in line or "(429)" in line]
    assert seen == []  # no request got an agent's answer: every one was sent as noai-check


def test_a_429_stops_probing_the_host_with_a_finding(tmp_path: Path) -> None:
    with start_replica("site-enforce") as replica:
        done = crawl(replica, tmp_path, "probe=3", settings={"NOAI_PROBE_AGENTS": "ChatGPT-User,GPTBot"})
    assert done.returncode == 0, done.stderr[-3000:]
    out = _out(tmp_path)
    records = lines(out / "probes.jsonl")
    rows = [r for r in records if "agent" in r]
    sent = [r["bucket"] for r in rows if r["agent"] != "browser" and r["bucket"] != "not-sent"]
    assert sent == ["rate-limited"]  # the first agent request got 429; nothing more went to that host
    assert all(r["bucket"] == "not-sent" for r in rows if r["agent"] == "GPTBot")
    assert next(r["stopped"] for r in records if "stopped" in r).endswith("probing stopped for this host")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["probes"]["stopped"] and report["enforcement"]["ChatGPT-User"]["verdict"] == "unknown"


@pytest.mark.parametrize(("args", "settings", "message"), [
    (["probe=-1"], {}, "probe must be a whole number"),
    (["probe=x"], {}, "probe must be a whole number"),
    (["probe=1"], {"NOAI_PROBE_AGENTS": "GPTBot,NoSuchBot"}, "unknown probe agent 'NoSuchBot'"),
])
def test_bad_probe_input_is_one_line_exit_2(tmp_path: Path, args: list[str], settings: dict[str, str], message: str) -> None:
    with start_replica("site-enforce") as replica:
        done = crawl(replica, tmp_path, *args, settings=settings)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_crawl_probes_send_from_with_noai_contact(tmp_path: Path) -> None:
    """Every probe request of a crawl carries From: NOAI_CONTACT; the audit's own requests are unchanged."""
    seen: list[tuple[str, str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("User-Agent", ""), self.headers.get("From")))
            body = b"<html><head><title>P</title></head><body><p>a page of words</p></body></html>"
            self.send_response(200 if self.path == "/page" else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/page"
        command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"url={url}", "-a", "probe=1"]
        for key, value in {**FAST, "NOAI_REPORTS_DIR": str(tmp_path), "NOAI_PROBE_AGENTS": "GPTBot,CCBot",
                           "NOAI_CONTACT": "audit@example.org"}.items():
            command += ["-s", f"{key}={value}"]
        env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, env=env, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-3000:]
    probes = [(path, sent) for path, ua, sent in seen if not ua.startswith("noai-check/")]
    assert {path for path, _ in probes} == {"/", "/page"} and len(probes) == 6  # the root and /page: a browser + 2 agents each
    assert {sent for _, sent in probes} == {"audit@example.org"}
    assert {sent for _, ua, sent in seen if ua.startswith("noai-check/")} == {None}


def test_a_third_party_training_claim_shows_its_enforcement_line(tmp_path: Path) -> None:
    with start_replica("soundcloud") as replica:
        command = [sys.executable, "-m", "scrapy", "crawl", "soundcloud", "-a", f"base_url={replica.base_url}", "-a", "seed=7",
                   "-a", "max_pages=6", "-a", f"media_hosts={replica.media_url.split('://', 1)[1]}", "-a", "probe=1"]
        for key, value in {**FAST, "NOAI_REPORTS_DIR": str(tmp_path), "NOAI_PROBE_AGENTS": "GPTBot,CCBot"}.items():
            command += ["-s", f"{key}={value}"]
        env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    html = (tmp_path / "soundcloud" / "report.html").read_text(encoding="utf-8")
    claim = html[html.index('id="claim-no-third-party-training"'):]
    claim = claim[:claim.index("</article>")]
    assert "Enforcement (user agent spoofed for measurement): 0 of 2 probed AI agents were refused the pages, 2 were served them." in claim
    other = html[html.index('id="claim-no-ai-tag"'):]
    assert "Enforcement (" not in other[:other.index("</article>")]
