"""What ships inside the package (``newsletter/_data/``), read with :mod:`importlib.resources`.

The packaged defaults are the email and web templates, the sources catalogue, the recorded
snapshots that ``--offline`` replays, and the files ``newsletter init`` writes into a new
project folder. A project folder overrides them: its ``templates/`` file by file (a Jinja
``ChoiceLoader`` with the project's folder first, then the packaged templates, as Pelican
layers a theme), its ``sources.toml`` and ``snapshots/`` as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

_PACKAGE = "newsletter"
_DATA = "_data"


def data_path(*parts: str) -> Path:
    """The path of a packaged data file or folder, e.g. ``data_path("templates")``.

    The package is installed as files (pip installs wheels unpacked), so the result is a
    real path the collector and the template loader can read.
    """
    res = files(_PACKAGE).joinpath(_DATA, *parts)
    if not isinstance(res, Path):  # a zipped install: not supported, say so plainly
        raise RuntimeError(f"REE Daily must be installed as files, not zipped ({res})")
    return res


def packaged_templates() -> Path:
    """The packaged ``templates/`` folder (``email/`` and ``web/``)."""
    return data_path("templates")


def packaged_sources() -> Path:
    """The packaged sources catalogue."""
    return data_path("sources.toml")


def packaged_snapshots() -> Path:
    """The packaged recorded snapshots (one folder per capture day)."""
    return data_path("snapshots")


class OverrideLoader(jinja2.BaseLoader):
    """The project's templates folder first, then the packaged templates (Pelican's theme
    override model): a file in the project replaces the packaged file of the same name,
    every other file comes from the package. A missing project folder has no overrides.

    Unlike a plain ``ChoiceLoader``, a template loaded from the package goes stale once an
    override of it appears in the project folder, so a running preview picks up a file
    just copied into ``templates/``.
    """

    def __init__(self, project_templates: Path | str) -> None:
        self.project = jinja2.FileSystemLoader(str(project_templates))
        self.packaged = jinja2.PackageLoader(_PACKAGE, f"{_DATA}/templates")
        self._project_dir = Path(project_templates)

    def _overridden(self, template: str) -> bool:
        return self._project_dir.joinpath(*split_template_path(template)).is_file()

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        try:
            return self.project.get_source(environment, template)
        except jinja2.TemplateNotFound:
            pass
        source, filename, uptodate = self.packaged.get_source(environment, template)

        def still_current() -> bool:
            return not self._overridden(template) and (uptodate is None or uptodate())

        return source, filename, still_current

    def list_templates(self) -> list[str]:
        names = set(self.packaged.list_templates())
        if self._project_dir.is_dir():
            names.update(self.project.list_templates())
        return sorted(names)


def template_loader(project_templates: Path | str) -> jinja2.BaseLoader:
    """The loader every Jinja environment of REE Daily uses (see :class:`OverrideLoader`)."""
    return OverrideLoader(project_templates)
