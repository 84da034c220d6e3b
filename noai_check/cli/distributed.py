"""`noai-check enqueue NAME FILE --redis URL` and `noai-check collect NAME --redis URL`: a list crawled by many workers.

``enqueue`` puts the list in Redis once (workers started with ``-s NOAI_REDIS_URL=...`` also do it
themselves, harmlessly); ``collect`` writes ``domains.jsonl`` and the same report a single-machine
``scrapy crawl sites`` writes, once every domain has its result.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from noai_check.cli.common import EXIT_OK
from noai_check.errors import IncompleteRunError


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `enqueue` and `collect` subcommands."""
    sub = commands.add_parser("enqueue", help="put a domain list in Redis for workers on many machines",
                              description=cmd_enqueue.__doc__)
    sub.add_argument("name", help="the list's name (the report goes to reports/sites-NAME)")
    sub.add_argument("file", type=Path, help="one domain a line, or a CSV with a `domain` column (Tranco's rank,domain too)")
    _redis_option(sub)
    sub.add_argument("--fresh", action="store_true",
                     help="forget NAME's earlier run first (its results, leases and queues): a new run of the same list")
    sub.set_defaults(handler=cmd_enqueue)

    sub = commands.add_parser("collect", help="write the report of a list crawled through Redis",
                              description=cmd_collect.__doc__)
    sub.add_argument("name", help="the list's name, as given to enqueue and to the workers (-a name=NAME)")
    _redis_option(sub)
    sub.add_argument("--reports-dir", default="reports", type=Path, metavar="DIR",
                     help="where reports and their history go (default reports)")
    sub.add_argument("--agents-file", metavar="FILE", help="extra AI agents, as given to the workers (NOAI_AGENTS_FILE)")
    sub.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                     help="wait up to this long for the workers to finish the list (default 0: do not wait)")
    sub.set_defaults(handler=cmd_collect)


def _redis_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--redis", required=True, metavar="URL", help="redis://HOST:PORT/DB, the one the workers use")


def cmd_enqueue(args: argparse.Namespace, console: Console) -> int:
    """Put every domain of FILE in Redis under NAME, once: enqueueing again (or a worker doing it) adds nothing twice."""
    from noai_check.crawl.distributed import enqueue_file
    from noai_check.crawl.shared_list import SharedList

    shared = SharedList.connect(args.redis, args.name)
    if args.fresh and shared.delete():
        console.print(f"{escape(args.name)}: the earlier run's state in Redis was forgotten", highlight=False)
    added, domains = enqueue_file(shared, args.file)
    progress = shared.progress()
    console.print(f"{escape(args.name)}: {added} domains enqueued ({domains.read - added} already there), "
                  f"{progress.total} in the list, {progress.done} done", highlight=False, soft_wrap=True)
    for reason, skipped in domains.skipped_json().items():
        console.print(f"  skipped {skipped['count']} lines: {escape(reason)} (e.g. {escape(str(skipped['example']))!r})",
                      highlight=False, soft_wrap=True)
    return EXIT_OK


def cmd_collect(args: argparse.Namespace, console: Console) -> int:
    """Write reports/sites-NAME (domains.jsonl, report.json, report.html, domains.csv) from the results in Redis.

    Every domain must have its result: domains lost by a worker that died are put back for the
    workers still running (or started again); until then this exits 1 saying how many are left.
    """
    from noai_check.crawl.distributed import collect
    from noai_check.crawl.shared_list import SharedList
    from noai_check.judge.registry import load_registry

    registry = load_registry(args.agents_file)
    shared = SharedList.connect(args.redis, args.name)
    deadline = time.monotonic() + args.wait
    while not (progress := shared.progress()).finished:
        requeued = shared.sweep()
        if time.monotonic() >= deadline:
            raise IncompleteRunError(
                f"{args.name}: {progress.total - progress.done} of {progress.total} domains have no result yet "
                f"({progress.pending} waiting, {progress.leased} held by workers, {requeued} put back now"
                f"{'' if progress.enqueued else '; the list is not fully enqueued'}): run the workers "
                "(the same `scrapy crawl sites ... -s NOAI_REDIS_URL=...`) until they stop, then collect again")
        console.print(f"waiting: {progress.done}/{progress.total} done, {progress.pending} waiting, "
                      f"{progress.leased} held", highlight=False)
        time.sleep(min(5.0, max(0.1, deadline - time.monotonic())))
    report = collect(shared, args.reports_dir, registry)
    out = args.reports_dir / f"sites-{args.name}" / "report.html"
    console.print(f"{escape(args.name)}: {report['domains']} domains, {report['readable']} readable; report: "
                  f"{escape(str(out))}", highlight=False, soft_wrap=True)
    return EXIT_OK
