"""`scrapy crawl` that rejects bad spider arguments with one line and exit code 2, not a traceback."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1 and self.crawler_process is not None:
            try:
                spider_class = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                raise UsageError(f"no spider named {args[0]!r}; `scrapy list` shows them") from None
            check = getattr(spider_class, "argument_problem", None)
            problem = check(**opts.spargs) if check else None
            if problem:
                sys.stderr.write(f"error: {problem}\n")
                self.exitcode = 2
                return
        super().run(args, opts)
