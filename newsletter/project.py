"""``newsletter init``: create a project folder from the files packaged with REE Daily.

A project folder holds what is yours: ``newsletter.toml`` (every key, its default and what
it does), ``sources.toml`` (a copy of the packaged catalogue, to edit), the subscriber list,
an empty ``templates/`` for overrides, and ``var/`` (ignored by git) for the output. With
``demo=True`` it also gets a copy of the recorded snapshots, so the demo stays the same
whatever the installed version ships. Existing files are never overwritten unless
``force=True``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import ConfigError
from .resources import data_path, packaged_snapshots, packaged_sources, packaged_templates


@dataclass
class InitReport:
    """What :func:`init_project` wrote. ``written`` are paths relative to ``directory``."""

    directory: Path
    written: list[str] = field(default_factory=list)
    snapshot_days: list[str] = field(default_factory=list)


def _plan(demo: bool) -> dict[str, str | Path]:
    """Relative target path -> its text (str) or the packaged file to copy (Path)."""
    project = data_path("project")
    readme = (project / "templates-README.md").read_text(encoding="utf-8")
    plan: dict[str, str | Path] = {
        "newsletter.toml": project / "newsletter.toml",
        "sources.toml": packaged_sources(),
        "subscribers/daily.csv": project / "subscribers.csv",
        "subscribers/alerts.csv": project / "subscribers.csv",
        "templates/README.md": readme.replace("{packaged}", str(packaged_templates())),
        ".gitignore": project / "gitignore",
    }
    if demo:
        root = packaged_snapshots()
        for f in sorted(root.rglob("*")):
            if f.is_file():
                plan[f"snapshots/{f.relative_to(root).as_posix()}"] = f
    return plan


def init_project(directory: Path, *, demo: bool = False, force: bool = False) -> InitReport:
    """Write a new project folder into ``directory`` (created if missing).

    Raises:
        ConfigError: ``directory`` is a file, or some files exist already and ``force`` is
            false (nothing is written then; the message names them).
    """
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory}: exists and is not a folder",
                          hint="pass the folder to create the project in")
    plan = _plan(demo)
    existing = [rel for rel in plan if (directory / rel).exists()]
    if existing and not force:
        shown = [r for r in existing if not r.startswith("snapshots/")]
        snaps = len(existing) - len(shown)
        if snaps:
            shown.append(f"snapshots/ ({snaps} files)")
        raise ConfigError(f"{directory}: would overwrite {', '.join(shown)}",
                          hint="nothing was written; pass --force to replace them, or "
                               "choose another folder")
    report = InitReport(directory=directory)
    for rel, content in plan.items():
        target = directory / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{target}: cannot write: {exc.strerror or exc}",
                              hint="check the folder's permissions") from None
        report.written.append(rel)
    if demo:
        report.snapshot_days = sorted(p.name for p in (directory / "snapshots").iterdir()
                                      if (p / "capture.toml").is_file())
    return report
