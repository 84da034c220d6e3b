"""The report in a real browser: a hostile site's injections stay text, and the page draws.

The replica scenario ``soundcloud-injection`` puts script and markup in every field a crawl
carries into the report. Chromium (headless) loads report.html and reports/index.html and dumps
the DOM it ended with: an injection that ran would have changed the title, marked <html
data-pwned> or added an element whose id starts with ``pwn-``; one that rendered would be an
element instead of text. Skipped without Chromium unless NOAI_REQUIRE_CHROMIUM=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import lxml.html
import pytest

from noai_check.replica import start_replica
from tests.crawling import scrapy_crawl

REPORT_TITLE = "SoundCloud: AI opt-out audit (noai-check)"
INDEX_TITLE = "noai-check: AI opt-out audits"
HOSTILE_FOLDER = "<img src=x id=pwn-folder onerror=\"document.title='PWNED'\">"
# Injected text that must reach report.html as text: one per kind of field.
SHOWN_AS_TEXT = {
    "robots.txt comment": "# <script>document.title='PWNED'",
    "robots.txt user-agent": "User-agent: <img src=x id=pwn-robots-ua",
    "robots.txt Content-Signal": 'Content-Signal: search=yes, ai-train=no, <b id="pwn-b">bold</b>',
    "robots.txt Content-Usage": "Content-Usage: train-ai=n <img src=x id=pwn-robots-usage",
    "robots.txt Sitemap": "javascript:window.__pwned=1",
    "tdmrep.json value": '"tdm-policy": "javascript:window.__pwned=1//<script>',
    "ai.txt": "Disallow: *.<img src=x id=pwn-aitxt",
    "llms.txt title": 'Evil <b id="pwn-b">bold</b> title',
    "meta content": '<a id="pwn-a" href="javascript:',
    "meta name": "<img src=x id=pwn-meta-name",
    "X-Robots-Tag": "noimageai, <img src=x id=pwn-xrt",
    "Content-Usage header": 'train-ai=n, <b id="pwn-b">bold</b>=y',
    "Content-Signal header": "ai-train=no, <script>document.title='PWNED'",
    "URL": "/gone-user?q=%3Cscript%3E",
}


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; .ci/run installs it


def chromium() -> str:
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if found:
        return found
    if os.environ.get("NOAI_REQUIRE_CHROMIUM") == "1":
        pytest.fail("NOAI_REQUIRE_CHROMIUM=1 but /usr/bin/chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (/usr/bin/chromium)")


def run_chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on a local file, with everything that would talk to the network turned off."""
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
        "--disable-default-apps", "--mute-audio", "--hide-scrollbars", f"--user-data-dir={profile}",
        *args, page.resolve().as_uri(),
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def dump_dom(page: Path, profile: Path) -> str:
    return run_chromium(page, profile, "--dump-dom").stdout


def assert_nothing_ran(dom: str, title: str, scripts: int) -> lxml.html.HtmlElement:
    """Nothing injected executed (title, marker attribute, marker ids) nor rendered as markup."""
    doc = lxml.html.fromstring(dom)
    assert doc.findtext(".//title") == title, "an injected script changed the title"
    assert doc.get("data-pwned") is None, "an injected script ran"
    elements = [e for e in doc.iter() if isinstance(e.tag, str)]
    assert not [e.get("id") for e in elements if (e.get("id") or "").startswith("pwn")], "injected markup rendered"
    assert not [(e.tag, a) for e in elements for a in e.attrib if a.lower().startswith("on")], "an event handler attribute"
    assert not doc.xpath("//img | //iframe | //object | //embed | //form | //input"), "an injected element"
    assert len(doc.xpath("//script")) == scripts, "a script element that is not the page's own"
    hrefs = doc.xpath("//a/@href")
    assert not [h for h in hrefs if not h.startswith(("http://", "https://")) and (":" in h.split("/")[0] or h.startswith("//"))], \
        "a link that is neither http(s) nor one of the report's own files"
    return doc


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """The hostile replica crawled for real, plus a hostile platform folder for the index."""
    reports = tmp_path_factory.mktemp("reports")
    (reports / HOSTILE_FOLDER).mkdir()
    (reports / HOSTILE_FOLDER / "report.json").write_text('{"platform": "<script>document.title=\'PWNED\'</script>"}')
    with start_replica("soundcloud-injection") as replica:
        result = scrapy_crawl(replica, reports)
    assert result.returncode == 0, result.stderr[-3000:]
    return reports


def test_injections_in_report_html_stay_text(reports, tmp_path):
    doc = assert_nothing_ran(dump_dom(reports / "soundcloud" / "report.html", tmp_path / "profile"), REPORT_TITLE, scripts=1)
    assert doc.xpath("//table[@class='sortable']//th[@title='sort']"), "the page's own script ran (its CSP hash matches)"
    text = doc.text_content()
    missing = [field for field, injected in SHOWN_AS_TEXT.items() if injected not in text]
    assert not missing, f"these fields never reached the report, so the test proves nothing for them: {missing}"


def test_injections_in_the_index_stay_text(reports, tmp_path):
    doc = assert_nothing_ran(dump_dom(reports / "index.html", tmp_path / "profile"), INDEX_TITLE, scripts=0)
    text = doc.text_content()
    assert HOSTILE_FOLDER in text and "<script>document.title='PWNED'</script>" in text
    assert doc.xpath("//a[@href='soundcloud/report.html']")


def test_the_check_catches_a_page_that_does_run_injections(tmp_path):
    """The detector itself: an unescaped page must fail it."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><html><head><title>T</title></head><body>"
                   "<script>document.title='PWNED';document.documentElement.setAttribute('data-pwned','1')</script>"
                   "<b id=pwn-b>x</b></body></html>")
    with pytest.raises(AssertionError, match="changed the title"):
        assert_nothing_ran(dump_dom(bad, tmp_path / "profile"), "T", scripts=1)


def test_a_missing_browser_skips_unless_ci_requires_it(monkeypatch, tmp_path):
    monkeypatch.setitem(chromium.__globals__, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("NOAI_REQUIRE_CHROMIUM", raising=False)
    with pytest.raises(pytest.skip.Exception):
        chromium()
    monkeypatch.setenv("NOAI_REQUIRE_CHROMIUM", "1")
    with pytest.raises(pytest.fail.Exception, match="NOAI_REQUIRE_CHROMIUM=1"):
        chromium()


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the pixels of an 8-bit RGB(A) PNG, unfiltered (enough to tell a drawn page from a blank one)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    step = 4 if colour == 6 else 3
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            chunks.append(data[at + 8:at + 8 + length])
        at += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * step
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [row[x:x + step] for row in rows[::8] for x in range(0, stride, step * 8)]


def test_screenshot_draws_a_real_page(reports, tmp_path):
    shot = tmp_path / "report.png"
    run_chromium(reports / "soundcloud" / "report.html", tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400")
    data = shot.read_bytes()
    width, height, pixels = png_pixels(data)
    assert (width, height) == (1280, 2400)
    assert len(data) > 50_000, "a blank page compresses to a few KB"
    counts = Counter(pixels)  # every 8th pixel of every 8th row
    assert len(counts) > 50, "the screenshot has hardly any colours"
    assert counts.most_common(1)[0][1] < 0.8 * len(pixels), "the screenshot is (nearly) one colour"
