"""Write what the crawl finds as it finds it, and the per-platform report when it ends.

Records stream to ``pages.jsonl`` (one line per page, flushed, after its evidence and after its
verdict map's line in ``verdicts.jsonl`` when the map is new), so an interrupted crawl keeps
everything fetched so far, never a record whose map is missing, and memory stays flat. The report is rebuilt
from the files at the end, which also makes a JOBDIR resume add to them instead of starting
over; a resume first cuts what a kill left half-written (see jobdir.py). The lines are written by
a RecordWriter here, or by the judging process (judging_process.py, NOAI_JUDGE_PROCESS), which
also judges the pages; either way this pipeline decides what is recorded and counts it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.asyncio import create_looping_call

from noai_check import __version__
from noai_check.crawl.archive_publish import publish, staging_folder
from noai_check.crawl.config import CrawlConfig
from noai_check.crawl.jobdir import cut_evidence, cut_partial_line
from noai_check.crawl.judging_process import FLUSH_SECONDS, JudgingProcess, JudgingProcessFailed
from noai_check.crawl.judging_process import wanted as judging_wanted
from noai_check.crawl.progress import print_summary
from noai_check.crawl.record_writer import EVIDENCE_FILE, RecordWriter, hold_folder
from noai_check.files import iter_records, write_atomic
from noai_check.history.snapshot import PageRowSink
from noai_check.history.store import record_crawl
from noai_check.judge.verdict_refs import VERDICTS_FILE, iter_verdict_maps
from noai_check.report.build import write_report
from noai_check.signals.response import Fetched
from noai_check.signals.site_files import SITE_FILES, Site, site_folder_name
from noai_check.timestamps import now as now_iso


def _site_summary(origin: str, site: Site) -> dict[str, Any]:
    summary: dict[str, Any] = {key: record.to_json() for key, record in site.records.items()}
    summary["robots_outcome"] = site.robots.outcome
    summary["sitemaps"] = list(site.robots.sitemaps)
    summary["llms_txt_present"] = site.llms_txt.present
    summary["ai_txt_present"] = site.ai_txt.present
    summary["tdmrep_json_present"] = site.tdmrep.present
    summary["findings"] = [finding.to_json() for finding in site.findings]
    summary["origin"] = origin
    return summary


# Stats keys the pipeline sets at the end: the caller's only sign that this crawl's report exists.
NOAI_WRITTEN = "noai/report_written"
NOAI_WRITE_ERROR = "noai/write_error"
JUDGING_FAILED = "judging_process_failed"  # the finish reason when the judging process died mid-crawl


class RecordsPipeline:
    """pages.jsonl, media.jsonl, verdicts.jsonl, site/ (the site files as served) and report.json/html."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.config = CrawlConfig.from_settings(crawler.settings)
        self.reports_dir = self.config.reports_dir

    @classmethod
    def from_crawler(cls, crawler: Any) -> RecordsPipeline:
        pipeline = cls(crawler)
        # The report needs the finish reason, which only spider_closed carries.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.final = self.reports_dir / getattr(spider, "report_name", spider.name)
        # An archive audit is written aside and put in place at the end: a run the archive refused
        # must not replace an earlier complete report of the same day (archive_publish.py).
        self.out = staging_folder(self.final) if getattr(spider, "archive", None) is not None else self.final
        self.content_types = frozenset(getattr(getattr(spider, "platform", None), "page_types", ()))
        self.out.mkdir(parents=True, exist_ok=True)
        # A JOBDIR crawl that ran before (however it ended) adds to its files; the spider knows.
        self.resuming = bool(getattr(spider, "resumed", False))
        self.lock = hold_folder(self.out)  # an earlier crawl's judging process may still be writing here
        evidence_path = self.out / EVIDENCE_FILE
        # URLs with a record, by kind: a record is written once, whatever a resume asks again.
        self.recorded: dict[str, set[str]] = {"page": set(), "media": set(), "terms": set()}
        written_maps: set[str] = set()  # refs of the verdict maps in verdicts.jsonl
        if self.resuming:
            written_maps = self._recover(evidence_path)
        self.writer = self._writer(spider, written_maps)
        sites_file = self.out / "sites.json"
        self.sites: dict[str, Any] = (
            json.loads(sites_file.read_text(encoding="utf-8")) if self.resuming and sites_file.exists() else {}
        )
        if not self.resuming:
            for stale in ("report.json", "report.html", "terms.jsonl", "probes.jsonl"):
                (self.out / stale).unlink(missing_ok=True)
        # Every FLUSH_SECONDS: batched pages to the judging process, counts to the stats (the progress line)
        self._flusher.start(FLUSH_SECONDS, now=False)

    def _writer(self, spider: Any, written_maps: set[str]) -> RecordWriter | JudgingProcess:
        """What writes the records: this process, or the judging process (NOAI_JUDGE_PROCESS)."""
        self.judging_error: str | None = None
        self._counts: Counter[str] = Counter()  # records not yet added to the crawl's stats
        self._flusher = create_looping_call(self._flush)
        writer = RecordWriter(self.out, "a" if self.resuming else "w", written_maps)
        if not judging_wanted(self.config.judge_process):
            return writer
        writer.close()  # the files exist (truncated unless resuming); the judging process appends
        judging = JudgingProcess(self.out, written_maps, spider.registry, self.lock)
        spider.logger.info("noai-check: pages are judged in a second process (pid %d)", judging.process.pid)
        return judging

    def _recover(self, evidence_path: Path) -> set[str]:
        """After a stop or a kill: cut half-written lines and members, learn what is recorded; the
        refs of the verdict maps already written."""
        for kind, name in (("page", "pages.jsonl"), ("media", "media.jsonl"), ("terms", "terms.jsonl")):
            path = self.out / name
            if cut_partial_line(path):
                self.crawler.spider.logger.warning("%s ended in a half-written line (the crawl was killed): cut", path)
            self.recorded[kind] = {r["url"] for r in iter_records(path) if isinstance(r.get("url"), str)}
        if cut_partial_line(self.out / VERDICTS_FILE):
            self.crawler.spider.logger.warning("%s ended in a half-written line (the crawl was killed): cut", VERDICTS_FILE)
        if cut_evidence(evidence_path, self.recorded["page"] | self.recorded["media"]):
            self.crawler.spider.logger.info("%s: evidence after the last record cut (written again on resume)", evidence_path)
        return {ref for ref, _ in iter_verdict_maps(self.out / VERDICTS_FILE)}

    def is_recorded(self, kind: str, url: str) -> bool:
        """Has this page, media file or terms page a record already (a resume skips it)?"""
        return url in self.recorded[kind]

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        kind = item.get("_kind")
        if kind == "terms":
            if item["record"]["url"] not in self.recorded["terms"]:
                with (self.out / "terms.jsonl").open("a", encoding="utf-8") as terms:
                    terms.write(json.dumps(item["record"], ensure_ascii=False, sort_keys=True) + "\n")
                self.recorded["terms"].add(item["record"]["url"])
            return {"kind": kind, **{k: v for k, v in item["record"].items() if k != "html"}}
        if kind in ("page", "media"):
            self.write_judged(kind, item["record"], item.get("evidence"))
            return {"kind": kind, **item["record"]}
        if kind == "site":
            return self._write_site(item)
        return item

    def write_judged(self, kind: str, record: dict[str, Any], evidence: dict[str, Any] | None) -> None:
        """One page or media record (flushed: an interrupted crawl keeps it) and its evidence.

        The spider calls this directly for each page rather than yielding an item: Scrapy's
        item path costs about 0.3 ms an item, as much as fetching a page from a fast site.
        """
        if self._fresh(kind, record["url"]):
            self._hand_over(self.writer.write, kind, record, evidence)
            self._count(kind, record["url"], record["page_type"], record["verifiable"])

    @property
    def judges_elsewhere(self) -> bool:
        """Are pages judged in the judging process (judge_later), rather than by the spider?"""
        return isinstance(self.writer, JudgingProcess)

    def judge_later(self, fetched: Fetched, page_type: str, reason: str | None, origin: str,
                    site_files: dict[str, Fetched] | None, fetched_at: str, extra: dict[str, Any]) -> None:
        """Have the judging process judge and write a page (only when judges_elsewhere)."""
        assert isinstance(self.writer, JudgingProcess)
        kind = "media" if page_type == "media" else "page"
        if self._fresh(kind, fetched.url):
            self._hand_over(self.writer.judge, fetched, page_type, reason, origin, site_files, fetched_at, extra)
            self._count(kind, fetched.url, page_type, reason is None)  # with site files and no reason, it is judged

    def _flush(self) -> None:
        """The timer's turn: a judging process found dead here stops the crawl at its next page."""
        self._publish_counts()
        if isinstance(self.writer, JudgingProcess) and self.judging_error is None:
            try:
                self.writer.flush()
            except JudgingProcessFailed as error:
                self._judging_failed(error)

    def _fresh(self, kind: str, url: str) -> bool:
        """False for a URL recorded before (a resume asked it again): the first record stands."""
        if url in self.recorded[kind]:
            self.crawler.stats.inc_value(f"noai/{kind}_records_repeated")
            return False
        return True

    def _count(self, kind: str, url: str, page_type: str, verifiable: bool) -> None:
        """Count a record in the crawl's stats (every 64 records and at the end: a stats call costs
        microseconds a page that the crawl spends instead on fetching)."""
        self.recorded[kind].add(url)
        counts = self._counts
        counts[f"noai/{kind}_records"] += 1
        if kind == "page" and page_type in self.content_types:
            counts["noai/content_pages"] += 1
            counts["noai/content_pages_verifiable"] += verifiable
        counts["pending"] += 1
        if counts["pending"] >= 64:
            self._publish_counts()

    def _publish_counts(self) -> None:
        stats = self.crawler.stats
        for key, count in self._counts.items():
            if key != "pending" and count:
                stats.inc_value(key, count)
        self._counts = Counter()

    def _hand_over(self, write: Any, *args: Any) -> None:
        """Write (or send to the judging process); a judging process that died stops the crawl."""
        if self.judging_error is not None:
            raise CloseSpider(JUDGING_FAILED)
        try:
            write(*args)
        except JudgingProcessFailed as error:
            self._judging_failed(error)
            raise CloseSpider(JUDGING_FAILED) from None

    def _judging_failed(self, error: JudgingProcessFailed) -> None:
        self.judging_error = f"{error}: pages fetched after that have no record"
        self.crawler.spider.logger.error("noai-check: %s", self.judging_error)

    def _write_site(self, item: dict[str, Any]) -> dict[str, Any]:
        origin, site = item["origin"], item["site"]
        summary = _site_summary(origin, site)
        self.sites[origin] = summary
        folder = self.out / "site" / site_folder_name(origin)
        folder.mkdir(parents=True, exist_ok=True)
        for key, fetched in item["fetched"].items():
            if fetched.body:
                write_atomic(folder / Path(SITE_FILES[key]).name, fetched.body)
        write_atomic(self.out / "sites.json", json.dumps(self.sites, indent=2, sort_keys=True))
        return {"kind": "site", **summary}

    def close_spider(self) -> None:
        """Scrapy calls this before spider_closed: the files are completed (the judging process, if
        any, writes its last pages), and the URL sets that kept each record single are let go
        before the report is built on top of them (20,000 URLs)."""
        self.recorded = {kind: set() for kind in self.recorded}
        self._publish_counts()
        if self._flusher.running:
            self._flusher.stop()
        try:
            summary = self.writer.close()
        except JudgingProcessFailed as error:
            self.judging_error = self.judging_error or f"{error}: some fetched pages may have no record"
            return
        finally:
            self.lock.close()
        if summary and summary["failed"]:
            self.judging_error = f"{summary['failed']} page(s) could not be judged (a bug: the tracebacks are above)"

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Write report.json and report.html from the files, whether the crawl finished or was stopped.

        What happened goes into the crawl's stats for `scrapy crawl` (noai_check.crawl.commands.crawl)
        and `noai-check demo` to act on: NOAI_WRITTEN (the report's path) once every output is
        written, NOAI_WRITE_ERROR (one line) when one is not. A signal handler's exception would
        only be logged by Scrapy and the process would exit 0 over a stale report.
        """
        stats = self.crawler.stats
        if not hasattr(self, "sites"):  # open_spider failed: Scrapy has logged why, there is nothing to report on
            stats.set_value(NOAI_WRITE_ERROR, f"the crawl's files could not be opened in {self.reports_dir} (see the log)")
            return
        rows = PageRowSink()  # pages.jsonl read once: the report's pass gives the comparison and the history their rows
        try:
            path = self._write_outputs(spider, reason, rows)
        except OSError as error:
            message = f"report not written: {error.strerror or error}" + (f": {error.filename}" if error.filename else "")
            spider.logger.error("noai-check %s", message)
            stats.set_value(NOAI_WRITE_ERROR, message)
            return
        except Exception as error:  # a bug, not the disk: the traceback is worth logging
            spider.logger.exception("noai-check report not written in %s", self.out)
            stats.set_value(NOAI_WRITE_ERROR, f"report not written in {self.out}: {type(error).__name__}: {error}")
            return
        if self.out != self.final:
            path, kept = publish(self.out, self.final, spider.logger)
            self.out = path.parent
            if kept:
                stats.set_value(NOAI_WRITE_ERROR, kept)
                return
        if record_crawl(self.out, spider.logger, rows.pages) is None:  # history.sqlite: lets the next run say what changed
            stats.set_value(NOAI_WRITE_ERROR, f"run not recorded in the history of {self.out.parent} (see the log)")
            return
        if self.judging_error is not None:  # the report covers what was written; the crawl fails
            spider.logger.error("noai-check: %s", self.judging_error)
            stats.set_value(NOAI_WRITE_ERROR, self.judging_error)
            return
        stats.set_value(NOAI_WRITTEN, str(path))
        spider.logger.info("noai-check report: %s", path.with_suffix(".html"))
        if self.config.progress:
            print_summary(json.loads(path.read_text(encoding="utf-8")), str(path.with_suffix(".html")))

    def _write_outputs(self, spider: Any, reason: str, rows: PageRowSink) -> Path:
        """run.json, report.json, report.html and the reports index; report.json's path."""
        state = getattr(spider, "state", {})
        meta = {
            "platform": spider.name,
            "base_url": spider.base_url,
            "started_at": state.get("started_at"),
            "finished_at": now_iso(),
            "finish_reason": reason,
            "complete": reason == "finished",
            "tool_version": __version__,
            "registry_version": spider.registry.version,
            "settings": {
                "max_pages": spider.max_pages,
                "seed": state.get("seed", spider.seed),
                "profiles": spider.profiles,
                "obey_robots": self.crawler.settings.getbool("ROBOTSTXT_OBEY"),
                "user_agent": self.crawler.settings.get("USER_AGENT"),
                "download_delay": self.crawler.settings.getfloat("DOWNLOAD_DELAY"),
                "autothrottle": self.crawler.settings.getbool("AUTOTHROTTLE_ENABLED"),
                "agents_file": self.config.agents_file,
            },
        }
        archive = getattr(spider, "archive", None)
        if archive is not None:  # an archive audit: what day it shows, and from which captures
            meta["source"], meta["as_of"] = "archive", archive.window.at.isoformat()
            meta["archive"] = archive.report_meta()
            meta["settings"]["as_of"], meta["settings"]["window_days"] = meta["as_of"], archive.window.days
            if archive.status.cdx_failed and meta["complete"]:
                meta["complete"], meta["finish_reason"] = False, "archive_unreadable"
        return write_report(self.out, meta, self.sites, spider.platform, spider.registry, rows)
