"""report.json ``enforcement`` and ``probes``, and the report's "Declared vs enforced" view, from ``probes.jsonl``.

Every number here carries the label "user agent spoofed for measurement": the requests used each
crawler's published user agent from our own address, so a site that verifies crawlers by IP
address or reverse DNS may treat the real crawler differently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from noai_check.files import iter_records
from noai_check.judge.enforcement import LABEL
from noai_check.judge.probe_results import BROWSER, enforcement

PROBES_FILE = "probes.jsonl"
EVIDENCE_ROWS = 60
# Claims about AI use by third parties: the report shows the enforcement line beside them.
ENFORCEMENT_CLAIM_CHECKS = frozenset({"training-reserved-for-training-crawlers"})
METHOD = ("These requests used each AI crawler's published user agent, spoofed from noai-check's own address, once per "
          "page, after a browser's. A site that verifies crawlers by IP address or reverse DNS (Google, OpenAI and "
          "Anthropic publish theirs) may treat the real crawler differently: this measures user-agent-based "
          "enforcement only.")


def read_probes(out: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(``enforcement`` per agent, ``probes`` details) from ``out/probes.jsonl``; None when the crawl did not probe."""
    path = out / PROBES_FILE
    if not path.is_file():
        return None
    rows: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    stopped: list[str] = []
    for record in iter_records(path):
        if "finding" in record:
            findings.append(record["finding"])
        elif "stopped" in record:
            stopped.append(str(record["stopped"]))
        elif "agent" in record:
            rows.append(record)
    pages = sorted({str(row["url"]) for row in rows})
    evidence = [row for row in rows if row["agent"] != BROWSER][:EVIDENCE_ROWS]
    details = {"label": LABEL, "method": METHOD, "pages": len(pages), "requests": len(rows), "findings": findings,
               "stopped": stopped, "evidence": evidence, "file": PROBES_FILE}
    return enforcement(rows), details


def enforcement_line(enforcement_data: dict[str, Any]) -> str:
    """One sentence for a claim: how many probed agents were refused the page, with the label."""
    verdicts = [entry["verdict"] for entry in enforcement_data.values()]
    refused = sum(v in ("enforced", "blocked-undeclared") for v in verdicts)
    served = sum(v in ("declared-only", "not-declared") for v in verdicts)
    return (f"Enforcement ({LABEL}): {refused} of {len(verdicts)} probed AI agents were refused the pages, "
            f"{served} were served them" + (f", {len(verdicts) - refused - served} mixed or unknown." if len(verdicts) > refused + served else "."))
