"""Cancelled Twisted timers are let go while the crawl runs (noai_check.crawl.timers).

Each case runs in a fresh interpreter with Scrapy's asyncio reactor: in this one, another test's
timer coming due would empty the queue by itself and hide what the extension does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent("""
    import asyncio, gc, sys, weakref
    from scrapy.utils.reactor import install_reactor
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import reactor
    from scrapy.utils.test import get_crawler
    from noai_check.crawl.timers import CancelledTimers

    crawler = get_crawler()
    extension = CancelledTimers.from_crawler(crawler) if sys.argv[1] == "on" else None
    if extension is not None:
        extension.opened()
    kept = []
    for _ in range(2000):  # a download's timeout, cancelled when its response arrives
        timer = reactor.callLater(180, print, "never")
        timer.cancel()
        kept.append(weakref.ref(timer))
    del timer

    def count():
        gc.collect()
        print(sum(1 for ref in kept if ref() is not None))
        if extension is not None:
            extension.closed()
        reactor.stop()

    asyncio.get_event_loop().call_later(1.5, count)  # not a Twisted timer: it would empty the queue itself
    reactor.run()
""")


def _cancelled_timers_left(mode: str) -> int:
    result = subprocess.run([sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True, timeout=60, check=True)
    return int(result.stdout.split()[-1])


@pytest.mark.parametrize(("mode", "left"), [("off", 2000), ("on", 0)])
def test_cancelled_timers_are_let_go_within_seconds(mode, left):
    assert _cancelled_timers_left(mode) == left


def test_not_configured_without_a_twisted_reactor():
    script = textwrap.dedent("""
        from scrapy.exceptions import NotConfigured
        from scrapy.utils.test import get_crawler
        from noai_check.crawl.timers import CancelledTimers
        try:
            CancelledTimers.from_crawler(get_crawler())
        except NotConfigured:
            print("not configured")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "not configured"
