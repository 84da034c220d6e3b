"""A page that crashes the renderer: its rendered view is unverifiable with the reason, its raw view still counts.

The crash is real, without exhausting the test machine's memory: the only page of a one-page replica
never lets the network settle (so it is still loading whenever we look), and once its script runs in
Chromium the test SIGKILLs the crawl's renderer processes (``--type=renderer``), as the kernel's OOM killer
or a renderer bug would. The crawl and `noai-check check URL --render` must end normally, say that
the renderer crashed, keep the raw view and its verdicts, print no traceback and leave no Chromium.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from noai_check.replica import Replica, start_replica
from noai_check.replica.pages import API_PATH
from tests.crawling import FAST, REPO, read_jsonl
from tests.test_render import _browser_processes, _still_running, chromium

# Long enough that a page still loading when the renderer dies can only end by the crash, never by the wait.
RENDER_TIMEOUT = "60"
DEADLINE_S = 120.0  # a loaded 2-core machine: generous, polled, never waited out when things go well
SCENARIO = {
    "name": "render-crash",
    "platform": "site",
    "description": "One page whose script never lets the network settle, with a noai meta in its HTML.",
    "site": {"headers": {"Server": "nginx"}, "robots": {"body": ["User-agent: *", "Allow: /"]}, "sitemaps": {}},
    "media": {},
    "pages": [{
        "path": "/", "kind": "home", "title": "Crashes the renderer", "script": "never-settles",
        "meta": [{"name": "robots", "content": "noai"}],
        "expect": {"page_type": "other", "verifiable": True, "noai": True, "noimageai": False, "tdm_reservation": None},
    }],
}


@pytest.fixture(scope="module")
def crash_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replica]:
    path = tmp_path_factory.mktemp("render-crash") / "render-crash.json"
    path.write_text(json.dumps(SCENARIO), encoding="utf-8")
    with start_replica(path) as replica:
        yield replica


@dataclass
class Crashed:
    """What a command did while its renderers were killed under it."""

    returncode: int
    stdout: str
    stderr: str
    killed: list[int]  # renderer pids the test SIGKILLed
    seen: dict[int, float]  # every process seen under the command: pid -> start time
    loads: int  # requests for the page while the command ran


def _kill_renderers(children: list[psutil.Process]) -> list[int]:
    killed = []
    for child in children:
        try:
            if "--type=renderer" in child.cmdline():
                child.kill()
                killed.append(child.pid)
        except psutil.Error:
            continue
    return killed


def _crash_renderers_under(command: list[str], replica: Replica) -> Crashed:
    """Run ``command``; once the page is loading in its Chromium (the page's script has fetched the
    replica's API: the document is in its renderer), SIGKILL every renderer it has, once: a page that
    crashed is not loaded again (``Crashed.loads`` counts the page's own requests, raw fetch included)."""
    before, loads = replica.served(API_PATH), replica.served("/")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    run = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent, seen, killed = psutil.Process(run.pid), {}, []
    deadline = time.monotonic() + DEADLINE_S
    try:
        while run.poll() is None and time.monotonic() < deadline:
            seen.update(_browser_processes(parent))
            try:
                children = parent.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            if not killed and replica.served(API_PATH) > before:
                killed += _kill_renderers(children)
            time.sleep(0.05)
        stdout, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    return Crashed(run.returncode, stdout, stderr, killed, seen, replica.served("/") - loads)


def _assert_crash_reported(rendered: dict[str, Any], done: Crashed) -> None:
    assert done.killed, "the test killed a renderer while the page was loading"
    assert done.loads == 2, "one raw fetch and one render: a crashed page is not loaded again"
    assert rendered["verifiable"] is False
    assert rendered["unverifiable_reason"].startswith("the renderer crashed while loading the page ("), rendered
    assert "crashed" in rendered["unverifiable_reason"].split("(", 1)[1], "Playwright's own words are kept"
    assert rendered["noai"] is None and rendered["directives"] is None, "unknown, never 'no tag'"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    deadline = time.monotonic() + 15  # the browser is closed as the command ends; give the OS its time
    while _still_running(done.seen) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _still_running(done.seen) == [], "no Chromium left running"


def test_crawl_states_a_crashed_renderer_and_keeps_the_raw_view(crash_site: Replica, tmp_path: Path) -> None:
    chromium()
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"url={crash_site.base_url}/", "-a", "render=all"]
    for key, value in {**FAST, "NOAI_RENDER_TIMEOUT": RENDER_TIMEOUT, "NOAI_REPORTS_DIR": str(tmp_path)}.items():
        command += ["-s", f"{key}={value}"]
    done = _crash_renderers_under(command, crash_site)
    assert done.returncode == 0, done.stderr[-3000:]
    [record] = read_jsonl(next(tmp_path.rglob("pages.jsonl")))
    _assert_crash_reported(record["rendered"], done)
    assert record["verifiable"] is True and record["page"]["noai"] is True, "the raw view still counts"
    assert record["agents"]["GPTBot"]["training"] == "reserved", record["agents"]["GPTBot"]
    report = json.loads(next(tmp_path.rglob("report.json")).read_text(encoding="utf-8"))
    assert report["page_types"]["other"]["noai"] == 1, "the coverage counts the raw HTML"


def test_check_render_states_a_crashed_renderer(crash_site: Replica) -> None:
    chromium()
    command = [sys.executable, "-m", "noai_check.cli", "check", crash_site.url("/"), "--render", "--json",
               "--timeout", RENDER_TIMEOUT]
    done = _crash_renderers_under(command, crash_site)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(done.stdout)
    _assert_crash_reported(data["rendered"], done)
    assert data["page"]["noai"] is True, "the raw view still counts"
    assert not [f for f in data["findings"] if f["signal"].startswith("js-")], "no comparison with an unknown view"
