"""How long the whole `noai-check report` command takes for 50,000 pages, beside reading the same files.

Run from the checkout: ``python bench/bench_report.py [--pages 50000] [--rounds 5] [--crawl-pages 1000]``.

1. A real crawl: `scrapy crawl soundcloud` of the generated-1k replica gives real page records and
   their verdict maps. The share of distinct verdict maps among its pages (how many maps a report
   must decode) is measured there and printed, not chosen by the bench.
2. A 50,000-page run in the crawl's own form (pages.jsonl with ``agents_ref``, verdicts.jsonl): the
   crawl's records again under new URLs, with as many distinct maps as that share gives (the extra
   ones are real maps with one reason naming the page, as a path-specific robots.txt rule makes).
3. Timed in interleaved rounds (median and spread): the whole command,
   ``python -m noai_check.cli report soundcloud --reports-dir DIR`` (start-up, report.json,
   report.html, the reports index), against a baseline process that only reads pages.jsonl and
   verdicts.jsonl and json-decodes every line. Targets: the command <= 5 s; report.html < 5 MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_crawl import bytecode_env, crawl, start_replica
from runs import rotated, spread

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from noai_check.judge.verdict_refs import REF_KEY, ref_of, verdicts_line

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 5.0
TARGET_BYTES = 5 * 1024 * 1024
BASELINE = (
    "import json, sys\n"
    "for name in ('pages.jsonl', 'verdicts.jsonl'):\n"
    "    with open(sys.argv[1] + '/' + name, 'rb') as stream:\n"
    "        for line in stream:\n"
    "            json.loads(line)\n"
)


def real_crawl(folder: Path, pages: int, env: dict[str, str]) -> Path:
    """A crawl of the generated-1k replica into ``folder``; its reports/soundcloud folder."""
    replica, base, media = start_replica("generated-1k")
    try:
        crawl(base, media, pages, folder, env)
    finally:
        replica.terminate()
        replica.wait()
    return folder / "soundcloud"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def distinct_share(crawled: Path) -> tuple[float, int, int]:
    """(distinct verdict maps / pages with a map, maps, pages) of a real crawl."""
    refs = [r[REF_KEY] for r in _lines(crawled / "pages.jsonl") if r.get(REF_KEY)]
    return len(set(refs)) / len(refs), len(set(refs)), len(refs)


def _page_specific(agents: dict[str, Any], n: int) -> str:
    """A real map made page-specific: one agent's reasons name this page, as a path rule's would."""
    token = sorted(agents)[n % len(agents)]
    changed = {**agents, token: {**agents[token], "reasons": [*agents[token]["reasons"],
               f"robots.txt: allowed by robots.txt line 3 'Allow: /user-{n:05d}/' in the group for *"]}}
    return json.dumps(changed, ensure_ascii=False, sort_keys=True)


def write_run(crawled: Path, out: Path, pages: int, share: float) -> int:
    """``pages`` records from the crawl's under new URLs, ``share`` of them with a distinct map; maps written."""
    records = [r for r in _lines(crawled / "pages.jsonl") if r.get(REF_KEY)]
    maps = {entry["ref"]: entry["agents"] for entry in _lines(crawled / "verdicts.jsonl")}
    shutil.copytree(crawled, out, ignore=shutil.ignore_patterns("pages.jsonl", "verdicts.jsonl", "report.*", "evidence"))
    wanted = max(1, round(share * pages))
    extra = wanted - len({r[REF_KEY] for r in records})  # distinct maps beyond the crawl's own
    every = max(1, pages // extra) if extra > 0 else 0
    written: set[str] = set()
    with (out / "pages.jsonl").open("w", encoding="utf-8") as stream, \
            (out / "verdicts.jsonl").open("w", encoding="utf-8") as verdicts:
        for n in range(pages):
            record = dict(records[n % len(records)])
            record["url"] = record["final_url"] = f"{record['url'].rstrip('/')}/copy-{n:06d}"
            ref, encoded = record[REF_KEY], None
            if every and n % every == 0 and len(written) < wanted and record["verifiable"]:
                encoded = _page_specific(maps[ref], n)
                ref = record[REF_KEY] = ref_of(encoded)
            if ref not in written:  # a map is written before the first record naming it, as the pipeline does
                verdicts.write(verdicts_line(ref, encoded or json.dumps(maps[ref], ensure_ascii=False, sort_keys=True)) + "\n")
                written.add(ref)
            stream.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return len(written)


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--crawl-pages", type=int, default=1000, help="pages of the real crawl the share is measured on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        folder = Path(tmp)
        env = bytecode_env(folder / "pycache")
        crawled = real_crawl(folder / "crawl", args.crawl_pages, env)
        share, maps, judged = distinct_share(crawled)
        print(f"real crawl of the replica: {judged:,} pages with verdicts, {maps} distinct verdict maps: share {share:.4f}")
        reports = folder / "reports"
        run = reports / "soundcloud"
        started = time.perf_counter()
        written = write_run(crawled, run, args.pages, share)
        size = (run / "pages.jsonl").stat().st_size + (run / "verdicts.jsonl").stat().st_size
        print(f"run: {args.pages:,} pages, {written} distinct maps (share {written / args.pages:.4f}), "
              f"pages.jsonl + verdicts.jsonl {size / 1e6:.1f} MB (written in {time.perf_counter() - started:.1f} s)")
        commands = {
            "noai-check report": [sys.executable, "-m", "noai_check.cli", "report", "soundcloud", "--reports-dir", str(reports)],
            "baseline: read + json-decode pages.jsonl, verdicts.jsonl": [sys.executable, "-c", BASELINE, str(run)],
        }
        for command in commands.values():
            _timed(command, env)  # warm-up: bytecode and the page cache, for both
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(args.rounds):
            for name in rotated(list(commands), round_):
                times[name].append(_timed(commands[name], env))
        html = (run / "report.html").stat().st_size
        for name, values in times.items():
            print(f"{name}: {spread(values)} s (median (min–max) of {args.rounds} interleaved rounds)")
        ours, baseline = (statistics.median(v) for v in times.values())
        ok_time, ok_size = ours <= TARGET_SECONDS, html < TARGET_BYTES
        print(f"report / baseline: {ours / baseline:.2f}x; report {ours:.2f} s (target <= {TARGET_SECONDS:.0f} s)"
              f"{'' if ok_time else '  MISSED'}; report.html {html / 1e6:.2f} MB (target < 5 MB){'' if ok_size else '  MISSED'}")
        return 0 if ok_time and ok_size else 1


if __name__ == "__main__":
    sys.exit(main())
