"""The pure parts of `scrapy crawl sites`: the domain-list reader, the per-domain record, NOAI_CONNECT_TO."""

from __future__ import annotations

import hashlib
import io

import pytest

from noai_check.crawl.connect_to import connect_target, parse_connect_to
from noai_check.judge.domain_list import DomainList, normalise_domain
from noai_check.judge.domain_record import build_domain_record, compact_agents, expand_agents
from noai_check.judge.registry import load_registry
from noai_check.replica.many import domain_for, expected, robots_txt
from noai_check.signals.response import Fetched

REGISTRY = load_registry()


def read(text: str) -> tuple[list[tuple[int | None, str]], DomainList]:
    domains = DomainList(io.StringIO(text))
    return list(domains), domains


def test_a_plain_list_gives_domains_without_rank():
    pairs, _ = read("example.com\nExample.org.\n")
    assert pairs == [(None, "example.com"), (None, "example.org")]


def test_tranco_rank_domain_keeps_the_rank():
    pairs, _ = read("1,google.com\n2,facebook.com\n")
    assert pairs == [(1, "google.com"), (2, "facebook.com")]


def test_a_csv_with_a_domain_column_in_any_place():
    pairs, domains = read("site_name,Domain,rank\nGoogle,google.com,1\nX,x.com,7\n")
    assert pairs == [(1, "google.com"), (7, "x.com")]
    assert domains.skipped == {"header": 1}


def test_bad_lines_are_skipped_by_reason_with_the_first_example():
    text = "\n# comment\nexample.com\nhttps://example.org/blog/post\n192.0.2.7\nexample.com\nnot a domain\nhttps://ok.example/\n"
    pairs, domains = read(text)
    assert pairs == [(None, "example.com"), (None, "ok.example")]
    assert domains.skipped == {
        "empty": 1, "comment": 1, "url with a path": 1, "ip address": 1, "duplicate": 1, "not a domain": 1,
    }
    assert domains.examples["url with a path"] == "https://example.org/blog/post"
    assert domains.skipped_json()["duplicate"] == {"count": 1, "example": "example.com"}


def test_a_tranco_line_with_a_bad_rank_is_skipped():
    pairs, domains = read("1,a.com\nx,b.com\n0,c.com\n3,d.com\n")
    assert pairs == [(1, "a.com"), (3, "d.com")] and domains.skipped == {"bad rank": 2}


def test_the_list_is_read_lazily_one_line_at_a_time():
    """A generator of lines that fails past line 3: taking two domains never reaches it."""

    def lines():
        yield "a.com\n"
        yield "b.com\n"
        raise AssertionError("read too far")

    iterator = iter(DomainList(lines()))
    assert [next(iterator), next(iterator)] == [(None, "a.com"), (None, "b.com")]


def test_idna_and_ports_and_ipv6():
    assert normalise_domain("bücher.de") == ("xn--bcher-kva.de", None)
    assert normalise_domain("[2001:db8::1]") == (None, "ip address")
    assert normalise_domain("localhost") == (None, "not a domain")  # one label: not a public domain


def test_agents_compact_and_expand_round_trip():
    full = {
        "GPTBot": {"robots_allowed": False, "training": "reserved"},
        "CCBot": {"robots_allowed": True, "training": "none"},
        "Bingbot": {"robots_allowed": True, "training": "none"},
    }
    compact = compact_agents(full)
    assert compact == {"default": {"robots_allowed": True, "training": "none"}, "except": {"GPTBot": full["GPTBot"]}}
    assert expand_agents(compact, list(full)) == full


def _files(origin: str, robots: tuple[int, str, bytes]) -> dict[str, Fetched]:
    status, kind, body = robots
    files = {"robots_txt": Fetched(origin + "/robots.txt", status, {"content-type": [kind]}, body)}
    for key, path in (("tdmrep_json", "/.well-known/tdmrep.json"), ("ai_txt", "/ai.txt"), ("llms_txt", "/llms.txt")):
        files[key] = Fetched(origin + path, 404, {}, b"")
    return files


def test_a_record_of_cloudflare_managed_robots():
    origin = "https://s60-cloudflare.test"
    home = Fetched(origin + "/", 200, {"content-type": ["text/html"]}, b"<html><head></head><body>hi</body></html>")
    record = build_domain_record("s60-cloudflare.test", 60, REGISTRY, origin=origin,
                                 files=_files(origin, robots_txt("cloudflare")), home=home)
    agents = expand_agents(record["agents"], REGISTRY.tokens())
    assert record["status"] == "ok" and record["rank"] == 60 and record["robots_readable"] is True
    assert agents["GPTBot"] == {"robots_allowed": False, "training": "reserved"}
    assert agents["Google-Extended"]["robots_allowed"] is True
    assert record["signals"]["content_signal"] == {"ai-train": False, "search": True}
    assert record["findings"][0]["signal"] == "cdn-managed-robots"
    robots = _files(origin, robots_txt("cloudflare"))["robots_txt"].body
    assert record["site_files"]["robots_txt"]["sha256"] == hashlib.sha256(robots).hexdigest()


def test_nothing_answered_is_unverifiable_with_the_reason_never_no_policy():
    record = build_domain_record("gone.example", None, REGISTRY, origin=None, files={}, home=None,
                                 failure="host does not resolve: gone.example")
    assert record["status"] == "unverifiable" and record["agents"] is None
    assert record["unverifiable_reason"] == "host does not resolve: gone.example"


@pytest.mark.parametrize("status", [403, 429, 503])
def test_a_refused_robots_txt_is_not_read_as_allow_all(status):
    origin = "https://x.example"
    files = _files(origin, (status, "text/html", b"<html>no</html>"))
    home = Fetched(origin + "/", None, error="not fetched: robots.txt disallows noai-check for https://x.example/")
    record = build_domain_record("x.example", None, REGISTRY, origin=origin, files=files, home=home)
    assert record["robots_readable"] is False and record["status"] == "unverifiable"
    assert f"robots.txt answered {status}" in record["unverifiable_reason"]


def test_connect_to_rules():
    rules = parse_connect_to("*.test:443=127.0.0.1:8443,*=[::1]:8080")
    assert connect_target(rules, "a.test", 443) == ("127.0.0.1", 8443)
    assert connect_target(rules, "a.test", 80) == ("::1", 8080)
    assert connect_target(parse_connect_to("only.example=127.0.0.1:1"), "other.example", 80) is None


@pytest.mark.parametrize("value", ["*", "*=localhost:80", "*=127.0.0.1", "*=127.0.0.1:0", "a.test:x=127.0.0.1:1"])
def test_connect_to_refuses_malformed_values(value):
    with pytest.raises(ValueError, match="NOAI_CONNECT_TO"):
        parse_connect_to(value)


def test_generated_domains_name_their_shape():
    assert domain_for(1) == "s1-plain.test" and domain_for(90).endswith(".invalid")
    assert expected("s39-aiblock.test").blocked == {"GPTBot", "ClaudeBot", "CCBot", "Google-Extended"}


def test_the_connection_pool_forgets_a_host_once_its_idle_connection_is_gone():
    """Twisted's pool keeps an empty entry per host ever used: 100,000 of them after a list of 100,000 domains."""
    from types import SimpleNamespace

    from twisted.internet.testing import MemoryReactorClock

    from noai_check.crawl.connect_to import ConnectToPool

    class Idle:  # a quiescent HTTP connection, as the pool sees one
        state = "QUIESCENT"
        transport = SimpleNamespace(loseConnection=lambda: None)

    reactor = MemoryReactorClock()
    pool = ConnectToPool(reactor, (), None, 1.0)
    pool.cachedConnectionTimeout = 5
    key = (b"https", b"a.example", 443)
    pool._putConnection(key, Idle())
    assert len(pool._connections[key]) == 1
    reactor.advance(6)
    assert key not in pool._connections and not pool._timeouts


def test_the_report_counts_a_domain_recorded_twice_once_and_survives_an_empty_list(tmp_path):
    from noai_check.report.sites import build_sites_report

    origin = "https://s39-aiblock.test"
    home = Fetched(origin + "/", 200, {"content-type": ["text/html"]}, b"<html><head></head><body>hi</body></html>")
    blocked = build_domain_record("s39-aiblock.test", 39, REGISTRY, origin=origin,
                                  files=_files(origin, robots_txt("aiblock")), home=home)
    gone = build_domain_record("s90-nodns.invalid", 90, REGISTRY, origin=None, files={}, home=None,
                               failure="host does not resolve: s90-nodns.invalid")
    report = build_sites_report([blocked, gone, blocked], tmp_path / "a", name="a", registry=REGISTRY)
    assert report["domains"] == 2 and report["readable"] == 1
    assert report["agents"]["GPTBot"]["blocked_at_root"]["n"] == 1 and report["agents"]["GPTBot"]["blocked_at_root"]["of"] == 1
    assert report["unverifiable"] == {"host does not resolve": 1}
    assert (tmp_path / "a" / "domains.csv").read_text(encoding="utf-8").count("\n") == 3  # header + 2 domains
    empty = build_sites_report([], tmp_path / "e", name="e", registry=REGISTRY)
    assert empty["domains"] == 0 and empty["agents"]["GPTBot"]["blocked_at_root"]["rate"] is None
    assert "<script>" in (tmp_path / "e" / "report.html").read_text(encoding="utf-8")


def test_crawled_strings_are_escaped_in_report_html(tmp_path):
    from noai_check.report.sites import build_sites_report

    record = build_domain_record("x.example", None, REGISTRY, origin=None, files={}, home=None,
                                 failure="<script>alert(1)</script>")
    build_sites_report([record], tmp_path, name="x", registry=REGISTRY,
                       meta={"skipped_lines": {"not a domain": {"count": 1, "example": "<img src=x onerror=alert(1)>"}}})
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html and "alert(1)</script>" not in html
