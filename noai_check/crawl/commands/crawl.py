"""`scrapy crawl` that says how the crawl went in its exit code.

2: bad spider arguments, a bad NOAI_AGENTS_FILE, render asked with no Chromium or a NOAI_REDIS_URL that
does not answer, one line and no traceback, before anything starts. 1: the crawl ran but its report or
history could not be written (a full disk, a read-only folder), so a workflow never goes on to verify the
previous run's data, or an archive audit (-a at=) that the archive refused or could not answer (its report
is marked incomplete), or a distributed worker lost its Redis. 0 otherwise.
"""

from __future__ import annotations

import argparse
import gc
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from noai_check.crawl.archive_middleware import archive_failure
from noai_check.crawl.config import CrawlConfig
from noai_check.crawl.probing import probe_agents_problem
from noai_check.crawl.rendering import render_problem


def tune_gc() -> None:
    """Garbage collection for a crawl process, whose heap is mostly objects made at start-up
    (Scrapy, the agent registry, compiled patterns) that live until it exits.

    Freezing them keeps each collection from scanning them again, and a higher first threshold
    collects the short-lived containers of each page in fewer, larger batches: about a tenth of
    a fast crawl's time (bench/bench_crawl.py). Only the `scrapy crawl` process is changed.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def agents_file_problem(agents_file: str | None) -> str | None:
    """NOAI_AGENTS_FILE's problem in one line, or None: read before the crawl, not in the middle of it."""
    if not agents_file:
        return None
    from noai_check.judge.registry import (  # here: every `scrapy` command imports this module
        RegistryError,
        load_registry,
    )

    try:
        load_registry(agents_file)
    except RegistryError as error:
        return str(error)
    except RecursionError:  # json nests deeper than Python recurses
        return f"agents file {agents_file}: JSON nested too deeply"
    return None


def redis_problem(config: CrawlConfig, spider_args: dict[str, str]) -> str | None:
    """NOAI_REDIS_URL's problem (unreachable, not a URL, a list name Redis keys cannot hold) in one line, or None."""
    if not config.redis_url:
        return None
    from noai_check.crawl.redis_sites import redis_problem as problem  # redis only when asked for

    return problem(config, spider_args)


def reports_dir_problem(reports_dir: str) -> str | None:
    """Why the crawl could not write into NOAI_REPORTS_DIR (created if missing), in one line, or None.

    Asked before the crawl: found out only when the pipeline opens its files, it is a page of tracebacks.
    """
    import tempfile
    from pathlib import Path

    try:
        Path(reports_dir).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=reports_dir):
            pass
    except OSError as error:
        return f"cannot write reports to {reports_dir}: {error.strerror or error}"
    return None


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or self.crawler_process is None:
            super().run(args, opts)  # Scrapy's usage errors
            return
        try:
            spider_class = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            raise UsageError(f"no spider named {args[0]!r}; `scrapy list` shows them") from None
        check = getattr(spider_class, "argument_problem", None)
        try:
            config = CrawlConfig.from_settings(self.crawler_process.settings)
        except ValueError as error:  # a NOAI_* setting that is not a number
            problem: str | None = str(error)
        else:
            problem = (
                (check(**opts.spargs) if check else None)
                or render_problem(opts.spargs.get("render"), None, config.chromium)
                or agents_file_problem(config.agents_file)
                or probe_agents_problem(config.probe_agents, config.agents_file)
                or reports_dir_problem(str(config.reports_dir))
                or redis_problem(config, opts.spargs)
            )
        if problem:
            sys.stderr.write(f"error: {problem}\n")
            self.exitcode = 2
            return
        from noai_check.crawl.pipelines import NOAI_WRITE_ERROR

        tune_gc()
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None and crawler.stats.get_value(NOAI_WRITE_ERROR):
            sys.stderr.write(f"error: {crawler.stats.get_value(NOAI_WRITE_ERROR)}\n")
            self.exitcode = 1
        elif crawler.stats is not None and (archive := archive_failure(crawler.stats)):
            sys.stderr.write(f"error: {archive}\n")
            self.exitcode = 1
        elif crawler.stats is not None and crawler.stats.get_value("noai/redis_lost"):  # redis_sites.NOAI_REDIS_LOST
            sys.stderr.write(f"error: {crawler.stats.get_value('noai/redis_lost')}\n")
            self.exitcode = 1
