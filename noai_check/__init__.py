"""noai-check: read every machine-readable AI opt-out signal a site sends, to spec, with evidence."""

__version__ = "0.1.0"
