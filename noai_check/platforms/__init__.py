"""Platform definitions, by name."""

from __future__ import annotations

from .artstation import ARTSTATION
from .audiomack import AUDIOMACK
from .bandcamp import BANDCAMP
from .base import Claim, Platform
from .deviantart import DEVIANTART
from .flickr import FLICKR
from .mixcloud import MIXCLOUD
from .site import SITE
from .soundcloud import SOUNDCLOUD
from .spotify import SPOTIFY
from .youtube import YOUTUBE

PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (SOUNDCLOUD, BANDCAMP, MIXCLOUD, AUDIOMACK, YOUTUBE, SPOTIFY, DEVIANTART, ARTSTATION, FLICKR)
}

__all__ = [
    "ARTSTATION", "AUDIOMACK", "BANDCAMP", "DEVIANTART", "FLICKR", "MIXCLOUD", "PLATFORMS", "SITE",
    "SOUNDCLOUD", "SPOTIFY", "YOUTUBE", "Claim", "Platform",
]
