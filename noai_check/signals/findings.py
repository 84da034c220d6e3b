"""One observation with its evidence: what every signal parser returns alongside its values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One observation with the evidence behind it.

    ``agent`` is None when the statement is addressed to every agent; ``evidence`` quotes
    the header line, the tag, or ``robots.txt line N: text`` so anyone can re-check it.
    """

    signal: str
    source: str
    agent: str | None
    value: str
    evidence: str

    def to_json(self) -> dict[str, str | None]:
        return {
            "signal": self.signal,
            "source": self.source,
            "agent": self.agent,
            "value": self.value,
            "evidence": self.evidence,
        }
