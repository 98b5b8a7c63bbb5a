"""Slack chat-ops bot that triages failed ModelArts real-time service predictions."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

DISTRIBUTION = "modelarts-triage-bot"
"""The name the package is installed under (``[project] name`` in ``pyproject.toml``)."""


def _version() -> str:
    """The installed distribution's version when this very package is the installed one, else the checkout's
    ``pyproject.toml`` (a stale install beside a checkout never speaks for it), else ``0+unknown``."""
    here = Path(__file__).resolve()
    try:
        dist = metadata.distribution(DISTRIBUTION)
        if Path(str(dist.locate_file("bot/__init__.py"))).resolve() == here:
            return dist.version
    except metadata.PackageNotFoundError:
        pass
    pyproject = here.parent.parent / "pyproject.toml"
    try:
        import tomllib

        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        return "0+unknown"
    return str(project["version"]) if project.get("name") == DISTRIBUTION and "version" in project else "0+unknown"


__version__ = _version()
