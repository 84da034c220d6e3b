"""How long `noai-check report` takes for a 50,000-page run, beside merely json-parsing its pages.jsonl.

The run is synthetic but every record is real: page variants (no tag, noai meta, scoped
X-Robots-Tag, TDM headers, Content-Usage, bot walls...) are judged by the real engine against
the SoundCloud replica's site files, for all 165 registry agents, then repeated with unique URLs
and hashes. A share of pages (--unique-share) gets an agents map of its own, as pages matched by
a path-specific robots.txt rule would.

    python bench/bench_report.py [--pages 50000] [--unique-share 0.02] [--keep DIR]

Exits 1 when a target is missed: report under 10 s, report.html under 5 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from noai_check.crawl.records import page_record
from noai_check.judge.page_judgement import analyze
from noai_check.judge.registry import load_registry
from noai_check.platforms import PLATFORMS
from noai_check.replica import load_scenario
from noai_check.report.build import build
from noai_check.report.html import render_html
from noai_check.signals.response import Fetched, make_headers
from noai_check.signals.site_files import SITE_FILES, build_site

TARGET_SECONDS = 10.0
TARGET_BYTES = 5 * 1024 * 1024
BASE = "https://soundcloud.example"

# (weight, page type, headers, metas in <head>, unverifiable reason)
VARIANTS: list[tuple[int, str, dict[str, str], list[tuple[str, str]], str | None]] = [
    (40, "track", {}, [], None),
    (12, "track", {}, [("robots", "noai, noimageai")], None),
    (6, "track", {"X-Robots-Tag": "noai"}, [], None),
    (4, "track", {"X-Robots-Tag": "GPTBot: noai, noimageai"}, [], None),
    (3, "track", {"tdm-reservation": "0"}, [("robots", "noai")], None),
    (3, "track", {"Content-Usage": "train-ai=n"}, [], None),
    (2, "track", {}, [("GPTBot", "noai"), ("robots", "noindex")], None),
    (14, "profile", {}, [], None),
    (4, "profile", {"X-Robots-Tag": "noimageai"}, [("robots", "noai")], None),
    (6, "set", {}, [], None),
    (3, "track", {"Server": "DataDome", "X-DataDome": "protected"}, [], "bot wall: DataDome (status 403)"),
    (2, "profile", {}, [], "status 429: rate limited"),
    (1, "track", {}, [], "timeout: took longer than 30.0 seconds"),
]


def replica_site(origin: str) -> tuple[Any, dict[str, Fetched]]:
    """The SoundCloud replica's robots.txt, tdmrep.json, ai.txt and llms.txt, read by the real parsers."""
    scenario = load_scenario("soundcloud")
    fetched = {}
    for key, path in SITE_FILES.items():
        file = scenario.site_files.get(path)
        body = file.body.replace("{base}", origin).replace("{media}", origin).encode() if file else b"not found\n"
        status = file.status if file else 404
        fetched[key] = Fetched(origin + path, status, make_headers({"Content-Type": "text/plain"}), body, final_url=origin + path)
    return build_site(origin, fetched), fetched


def page_html(metas: list[tuple[str, str]], n: int) -> bytes:
    tags = "".join(f'<meta name="{name}" content="{content}">' for name, content in metas)
    return f"<!doctype html><html><head><title>Track {n}</title>{tags}</head><body><h1>Track {n}</h1></body></html>".encode()


def templates(site: Any, registry: Any) -> list[tuple[int, dict[str, Any], str]]:
    """(weight, record without agents, agents JSON text) per variant: what the pipeline would write."""
    found = []
    for i, (weight, page_type, headers, metas, reason) in enumerate(VARIANTS):
        url = f"{BASE}/user-{i:05d}/track-{i:04d}" if page_type == "track" else f"{BASE}/user-{i:05d}"
        status = 403 if reason and "DataDome" in reason else 429 if reason and "429" in reason else None if reason else 200
        response = Fetched(url, status, make_headers({"Content-Type": "text/html; charset=utf-8", **headers}),
                           page_html(metas, i), final_url=url)
        analysis = analyze(response, site, registry, page_readable=reason is None)
        record = page_record(url=url, page_type=page_type, response=response, analysis=analysis,
                             unverifiable_reason=reason, fetched_at="2026-11-26T12:00:00Z")
        agents = record.pop("agents")
        found.append((weight, record, json.dumps(agents, ensure_ascii=False, sort_keys=True)))
    return found


def unique_agents(agents_text: str, n: int) -> str:
    """The same map with one agent's reasons naming this page, as a path-specific rule would."""
    agents = json.loads(agents_text)
    token = sorted(agents)[n % len(agents)]
    agents[token]["reasons"] = [*agents[token]["reasons"], f"robots.txt: allowed by robots.txt line 3 'Allow: /user-{n:05d}/' in the group for *"]
    return json.dumps(agents, ensure_ascii=False, sort_keys=True)


def write_run(out: Path, pages: int, unique_share: float, seed: int = 1) -> None:
    registry = load_registry()
    site, fetched = replica_site(BASE)
    variants = templates(site, registry)
    weights = [w for w, _, _ in variants]
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "pages.jsonl").open("w", encoding="utf-8") as stream:
        for n in range(pages):
            _, record, agents_text = variants[rng.choices(range(len(variants)), weights)[0]]
            kind = record["page_type"]
            url = f"{BASE}/user-{n // 20:05d}/track-{n:06d}" if kind == "track" else f"{BASE}/user-{n:05d}" if kind == "profile" else f"{BASE}/user-{n // 20:05d}/sets/set-{n:06d}"
            rest = dict(record, url=url, final_url=url, sha256=hashlib.sha256(url.encode()).hexdigest() if record["sha256"] else None)
            if record["verifiable"] and rng.random() < unique_share:
                agents_text = unique_agents(agents_text, n)
            # The pipeline writes json.dumps(record, sort_keys=True): "agents" sorts first.
            stream.write('{"agents": ' + agents_text + ", " + json.dumps(rest, ensure_ascii=False, sort_keys=True)[1:] + "\n")
    (out / "media.jsonl").write_text("", encoding="utf-8")
    folder = out / "site" / BASE.split("://", 1)[1]
    folder.mkdir(parents=True, exist_ok=True)
    for key, response in fetched.items():
        (folder / Path(SITE_FILES[key]).name).write_bytes(response.body)
    sites = {BASE: {**{k: r.to_json() for k, r in site.records.items()}, "robots_outcome": site.robots.outcome,
                    "sitemaps": list(site.robots.sitemaps), "findings": [f.to_json() for f in site.findings],
                    "llms_txt_present": site.llms_txt.present, "ai_txt_present": site.ai_txt.present,
                    "tdmrep_json_present": site.tdmrep.present, "origin": BASE}}
    (out / "sites.json").write_text(json.dumps(sites, indent=2, sort_keys=True), encoding="utf-8")
    meta = {"platform": "soundcloud", "base_url": BASE, "started_at": "2026-11-26T10:00:00Z",
            "finished_at": "2026-11-26T12:00:00Z", "finish_reason": "finished", "complete": True,
            "tool_version": "bench", "registry_version": registry.version,
            "settings": {"max_pages": pages, "seed": str(seed)}}
    (out / "run.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")


def json_baseline(path: Path) -> float:
    start = time.perf_counter()
    with path.open("rb") as stream:
        for line in stream:
            json.loads(line)
    return time.perf_counter() - start


def report_time(out: Path) -> tuple[float, int, int]:
    """What `noai-check report` does, minus writing files: build report.json's content and render the HTML."""
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    sites = json.loads((out / "sites.json").read_text(encoding="utf-8"))
    registry = load_registry()
    start = time.perf_counter()
    built = build(out, meta, sites, PLATFORMS["soundcloud"], registry)
    html = render_html(built.report, out, built.page_rows, registry)
    elapsed = time.perf_counter() - start
    return elapsed, len(html.encode("utf-8")), len(json.dumps(built.report, indent=2, sort_keys=True).encode())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--unique-share", type=float, default=0.02, help="share of pages with an agents map of their own")
    parser.add_argument("--keep", type=Path, help="write the synthetic run here and keep it")
    args = parser.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench-report-")) / "soundcloud"
    try:
        start = time.perf_counter()
        write_run(out, args.pages, args.unique_share)
        size = (out / "pages.jsonl").stat().st_size
        print(f"synthetic run: {args.pages:,} pages, 165-agent records, pages.jsonl {size / 1e9:.2f} GB "
              f"(written in {time.perf_counter() - start:.1f} s)")
        json_baseline(out / "pages.jsonl")  # warm the page cache so both timings read from memory
        baseline = json_baseline(out / "pages.jsonl")
        seconds, html_bytes, json_bytes = report_time(out)
        ok_time, ok_size = seconds < TARGET_SECONDS, html_bytes < TARGET_BYTES
        print(f"baseline: json.loads of every line of pages.jsonl: {baseline:.1f} s")
        print(f"report for {args.pages:,} pages: {seconds:.1f} s (target < {TARGET_SECONDS:.0f} s){'' if ok_time else '  MISSED'}; "
              f"report.html {html_bytes / 1e6:.2f} MB (target < {TARGET_BYTES / 1024 / 1024:.0f} MB){'' if ok_size else '  MISSED'}; "
              f"report.json {json_bytes / 1e6:.2f} MB")
        return 0 if ok_time and ok_size else 1
    finally:
        if not args.keep:
            shutil.rmtree(out.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
