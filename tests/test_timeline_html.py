"""timeline.html: lanes per agent, terms marks, archive links; self-contained and escaped like report.html."""

from __future__ import annotations

import lxml.html

from noai_check.history.timeline import TimelineInput, build_timeline
from noai_check.history.timeline_files import ROBOTS, FileVersion
from noai_check.report.timeline_html import render_timeline_html

START, END = "2022-01-01T00:00:00Z", "2025-12-31T23:59:59Z"
TERMS = "/terms-of-use"


def version(stamp: str, body: bytes | None, path: str = ROBOTS, status: int | None = 200, base: str = "https://soundcloud.com",
            archive: str = "https://web.archive.org") -> FileVersion:
    url = base + path
    return FileVersion(path, url, stamp, f"{archive}/web/{stamp}id_/{url}", status, body, "text/html" if path == TERMS else "text/plain")


def render(versions: list[FileVersion], tokens: tuple[str, ...] = ("GPTBot", "CCBot"), **kwargs: bool) -> tuple[dict, str]:
    by_file: dict[str, list[FileVersion]] = {}
    for v in versions:
        by_file.setdefault(v.path, []).append(v)
    data = TimelineInput("soundcloud", "soundcloud.com", START, END, list(tokens), {"track": "/a/t"}, by_file, (TERMS,))
    timeline = build_timeline(data)
    return timeline, render_timeline_html(timeline, **kwargs)


HISTORY = [
    version("20220101000000", b"User-agent: *\nDisallow: /upload\n"),
    version("20230815000000", b"User-agent: GPTBot\nDisallow: /\n"),
    version("20230101000000", b"<html><body><main><p>Be kind.</p></main></body></html>", TERMS),
    version("20240207000000", b"<html><body><main><p>Be kind.</p><p>We may train artificial intelligence models "
                              b"on your content.</p></main></body></html>", TERMS),
]


def test_a_lane_per_agent_blocked_ones_first_with_bars_that_say_when():
    _, html = render(HISTORY, tokens=("CCBot", "GPTBot"))
    doc = lxml.html.fromstring(html)
    labels = [t.text for t in doc.xpath("//svg//g/text")]
    assert labels == ["GPTBot", "CCBot"]  # GPTBot was blocked at some time, so it comes first
    titles = [t.text for t in doc.xpath("//svg//rect/title")]
    assert "GPTBot at /: blocked from 2023-08-15 to 2025-12-31 (line 2: Disallow: /)" in titles
    assert "GPTBot on track pages (/a/t): blocked from 2023-08-15 to 2025-12-31 (line 2: Disallow: /)" in titles
    assert any(t.startswith("CCBot at /: allowed from 2022-01-01 to 2025-12-31") for t in titles)
    blocked = [r for r in doc.xpath("//svg//rect") if r.get("fill") == "#0b5f9e"]
    assert blocked and all(float(r.get("x")) > 170 + 900 * 0.4 for r in blocked)  # mid-2023 of 2022-2025


def test_terms_marks_and_every_version_linked_to_its_archived_copy():
    _, html = render(HISTORY)
    doc = lxml.html.fromstring(html)
    marks = doc.xpath("//svg//line[@class='mark-added']/title")
    assert [m.text for m in marks] == ["terms 2024-02-07: AI clause added: + We may train artificial intelligence models on your content."]
    hrefs = doc.xpath("//section[@id='versions']//a/@href")
    assert "https://web.archive.org/web/20230815000000id_/https://soundcloud.com/robots.txt" in hrefs
    assert "https://web.archive.org/web/20240207000000id_/https://soundcloud.com/terms-of-use" in hrefs
    assert "AI clause added" in doc.xpath("string(//section[@id='terms'])")


def test_the_page_is_self_contained():
    _, html = render(HISTORY, has_report=True)
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//link | //img | //iframe | //object | //embed | //script")
    assert "@import" not in html and "url(" not in html
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "script-src 'none'" in csp
    assert "report.html" in doc.xpath("//nav//a/@href")


def test_archived_strings_are_text_and_hostile_urls_are_not_links():
    evil = b"<script>alert(1)</script>"
    hostile = [
        version("20220101000000", b"User-agent: GPTBot\nDisallow: /a/t # " + evil + b"\n"),
        version("20230101000000", b"<html><body><main><p>AI training &lt;img src=x onerror=alert(1)&gt;</p></main></body></html>",
                TERMS, base="javascript:alert(1)//", archive="javascript:alert(2)//"),
    ]
    _, html = render(hostile)
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//script | //img")
    assert not [a for a in doc.xpath("//a/@href") if not a.startswith(("https://", "#", "report.html"))]
    text = doc.text_content()
    assert "<img src=x onerror=alert(1)>" in text
    assert any("<script>alert(1)</script>" in (t.text or "") for t in doc.xpath("//svg//rect/title"))


def test_no_version_renders_and_says_so():
    timeline, html = render([])
    text = " ".join(lxml.html.fromstring(html).text_content().split())
    assert "The archive holds no version of any of these files in this range." in text
    assert "No agent was blocked at any time in this range." in text
    assert timeline["agents"]["GPTBot"] == [{"from": START, "to": END, "state": "unknown", "reason": "no archived version covers this time"}]


def test_an_incomplete_timeline_says_why():
    timeline, _ = render(HISTORY)
    timeline.update(complete=False, incomplete_reason="The archive refused 3 times in a row (429).")
    text = " ".join(lxml.html.fromstring(render_timeline_html(timeline)).text_content().split())
    assert "Incomplete timeline. The archive refused 3 times in a row (429)." in text


def test_report_html_links_the_timeline_only_when_it_is_there(tmp_path):
    from tests.test_report import BASE, record, report_of

    out = tmp_path / "soundcloud"
    _, before = report_of(out, [record(f"{BASE}/u/t")])
    (out / "timeline.html").write_text("<!doctype html>", encoding="utf-8")
    _, after = report_of(out, [record(f"{BASE}/u/t")])
    assert "timeline.html" not in lxml.html.fromstring(before).xpath("//a/@href")
    assert lxml.html.fromstring(after).xpath("//nav//a[@href='timeline.html']/text()") == ["AI-policy timeline"]
