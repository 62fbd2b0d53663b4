"""The package as a user installs it: build the wheel, install it (not editable) into a fresh
virtual environment through the lock, and run the demo from a new project folder, far from
the clone. Slow (it installs every dependency), but part of the default run and of .ci/run.
"""

from __future__ import annotations

import email
import html
import json
import os
import shutil
import subprocess
import sys
import zipfile
from email import policy
from pathlib import Path

import pytest

import newsletter

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "var", "build", "dist", "*.egg-info",
                                     "__pycache__", ".pytest_cache", ".ruff_cache", "artifacts",
                                     "venv", "out")
OVERRIDE_HEADING = "Highlights from our own template"


def _run(cmd: list[str], cwd: Path, env: dict[str, str],
         timeout: float = 900) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert res.returncode == 0, (f"{' '.join(cmd)} exited {res.returncode}\n"
                                 f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


def test_wheel_installs_and_runs_the_demo_outside_the_clone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    # 1. the wheel, built from a copy of the source tree (no stale build/ can leak in)
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=_NOT_SOURCE)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
         tmp_path, env)
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"ree_daily-{newsletter.__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("newsletter/_data/templates/email/daily.html.j2",
                   "newsletter/_data/templates/web/public/subscribe.html.j2",
                   "newsletter/_data/sources.toml",
                   "newsletter/_data/project/newsletter.toml",
                   "newsletter/_data/project/subscribers.csv",
                   "newsletter/__main__.py"):
        assert needed in names, f"{needed} is not in the wheel"
    assert any(n.startswith("newsletter/_data/snapshots/") and n.endswith("/capture.toml")
               for n in names)

    # 2. a fresh virtual environment (nothing from this one), the wheel through the lock
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    _run([str(bindir / "python"), "-m", "pip", "install", "-q", "-c",
          str(REPO / "requirements.lock"), str(wheel)], tmp_path, env)
    cli = str(bindir / "newsletter")
    got = _run([cli, "--version"], tmp_path, env).stdout.strip()
    assert got == f"newsletter (REE Daily) {newsletter.__version__}"
    where = _run([str(bindir / "python"), "-c",
                  "import newsletter, newsletter.resources as r; "
                  "print(newsletter.__file__); print(r.packaged_templates())"],
                 tmp_path, env).stdout.split()
    assert str(venv) in where[0], f"the package was not imported from the venv: {where[0]}"
    packaged = Path(where[1])

    # 3. an empty folder is refused, then `newsletter init --demo` makes a project
    proj = tmp_path / "proj"
    proj.mkdir()
    res = subprocess.run([cli, "run", "--offline"], cwd=proj, env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 2 and f"no newsletter.toml in {proj}" in res.stderr
    _run([cli, "init", "--demo"], proj, env)
    assert (proj / "newsletter.toml").is_file() and (proj / "snapshots").is_dir()

    # 4. one template overridden in the project's templates/, the rest from the package
    override = proj / "templates" / "email" / "partials" / "_content.html.j2"
    override.parent.mkdir(parents=True)
    text = (packaged / "email" / "partials" / "_content.html.j2").read_text("utf-8")
    assert '"Top highlights"' in text
    override.write_text(text.replace("Top highlights", OVERRIDE_HEADING), "utf-8")

    # 5. the demo, offline, and the messages it wrote
    run = _run([cli, "run", "--offline"], proj, env)
    assert "1 sent" in run.stdout
    (edition_file,) = (proj / "var" / "issues").glob("*/edition.json")
    edition = json.loads(edition_file.read_text("utf-8"))
    # Friday 27 Nov: the daily list's reader and the weekly list's (the packaged weekly
    # templates are found outside the clone too)
    assert len(list((proj / "var" / "outbox").rglob("weekly/*.eml"))) == 1
    emls = sorted((proj / "var" / "outbox").rglob("daily/*.eml"))
    assert len(emls) == 1
    msg = email.message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "reader@example.com"
    html_part = msg.get_body(preferencelist=("html",))
    text_part = msg.get_body(preferencelist=("plain",))
    assert html_part is not None and text_part is not None
    body = " ".join(html.unescape(html_part.get_content()).split())
    stories = [s["title"] for sec in edition["sections"] for s in sec["stories"]]
    assert len(stories) >= 3
    for title in stories:
        assert " ".join(title.split()) in body, f"story {title!r} is not in the email"
    assert OVERRIDE_HEADING in body and "Top highlights" not in body     # the override
    assert "unsubscribe" in body.lower()                    # the packaged layout around it
    assert " ".join(stories[0].split()) in " ".join(text_part.get_content().split())
