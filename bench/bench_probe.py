"""`noai-check probe URL` speed: its requests plus our own work, against the same requests sent bare.

Run from the checkout: ``python bench/bench_probe.py [--runs 15]``.

The replica (scenario ``site``: every agent served the page) runs in its own process. Ours: the
whole ``noai-check probe URL --json`` in this process with 8 agents (GPTBot, CCBot, Amazonbot,
Applebot from the registry, and four bench-only tokens added with ``--agents-file`` whose user
agents are made up for this bench, since four of the default eight publish no full user-agent
string), i.e. its 9 page requests (a browser's and 8 agents') plus the 4 site files it must read first
(robots.txt for our own group, tdmrep.json, ai.txt, llms.txt: 13 requests). Baseline: the same 13
requests sent with ``fetch_one.fetch`` one after another, nothing read. Runs alternate (each goes
first in turn). Printed: median (min–max) ms of each, and of ours minus the baseline run by run:
our own work. Target: < 50 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runs import rotated, spread

from noai_check.cli import main
from noai_check.crawl.fetch_one import fetch
from noai_check.crawl.probing import BROWSER_USER_AGENT
from noai_check.judge.registry import load_registry

REPO = Path(__file__).resolve().parents[1]
REAL = ("GPTBot", "CCBot", "Amazonbot", "Applebot")
BENCH = tuple(f"BenchBot{letter}" for letter in "ABCD")
SITE_FILES = ("/robots.txt", "/.well-known/tdmrep.json", "/ai.txt", "/llms.txt")


def start_replica() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "noai_check.replica", "--scenario", "site"], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # "replica: http://127.0.0.1:PORT (media ...)"
    return process, line.split()[1]


def agents_file(folder: Path) -> Path:
    path = folder / "bench-agents.json"
    entries = [{"token": token, "purpose": "training", "user_agent": f"Mozilla/5.0 (compatible; {token}/1.0; bench only)"}
               for token in BENCH]
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def ours(url: str, extra: Path) -> float:
    argv = ["probe", url, "--json", "--agents-file", str(extra)]
    for token in REAL + BENCH:
        argv += ["--agent", token]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(argv)
    elapsed = time.perf_counter() - start
    assert code == 0 and '"served"' in out.getvalue(), out.getvalue()[-500:]
    return elapsed


def baseline(url: str, extra: Path) -> float:
    registry = load_registry(extra)
    agents = [BROWSER_USER_AGENT] + [registry.get(token).user_agent for token in REAL + BENCH]  # type: ignore[union-attr]
    origin = url.split("/", 3)
    start = time.perf_counter()
    for path in SITE_FILES:
        fetch(f"{origin[0]}//{origin[2]}{path}", max_redirects=5)
    for user_agent in agents:
        fetch(url, user_agent=user_agent)
    return time.perf_counter() - start


def run(runs: int) -> None:
    process, base = start_replica()
    try:
        url = base + "/about"
        with tempfile.TemporaryDirectory() as folder:
            extra = agents_file(Path(folder))
            ours(url, extra), baseline(url, extra)  # warm-up: imports, registry, connections
            times: dict[str, list[float]] = {"ours": [], "baseline": []}
            contenders = {"ours": ours, "baseline": baseline}
            for round_ in range(runs):
                for name in rotated(list(contenders), round_):
                    times[name].append(contenders[name](url, extra))
    finally:
        process.terminate()
        process.wait()
    work = [o - b for o, b in zip(times["ours"], times["baseline"], strict=True)]
    print(f"noai-check probe, 8 agents (9 page requests + 4 site files), {runs} interleaved runs, ms median (min–max)")
    print(f"  ours (the whole command):      {spread(times['ours'], 1000, 1)}")
    print(f"  baseline (the 13 requests):    {spread(times['baseline'], 1000, 1)}")
    print(f"  our own work (ours - baseline): {spread(work, 1000, 1)}   target < 50 ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    run(parser.parse_args().runs)
