"""Platform definitions, by name."""

from __future__ import annotations

from .base import Claim, Platform
from .soundcloud import SOUNDCLOUD

PLATFORMS: dict[str, Platform] = {p.name: p for p in (SOUNDCLOUD,)}

__all__ = ["PLATFORMS", "Claim", "Platform", "SOUNDCLOUD"]
