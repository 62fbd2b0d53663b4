"""A project folder outside the clone: `newsletter init`, the error without a newsletter.toml,
the packaged defaults and their overrides, and the one version number."""

from __future__ import annotations

import csv
import email
import filecmp
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from email import policy
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

import newsletter
from newsletter.cli import app
from newsletter.config import Config, ListSettings, load_config
from newsletter.exceptions import ConfigError
from newsletter.resources import (
    data_path,
    packaged_snapshots,
    packaged_sources,
    packaged_templates,
    template_loader,
)

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()

NO_CONFIG = ("no newsletter.toml in {cwd}: run `newsletter init` to create a project folder, "
             "or pass --config")


# --- newsletter init ------------------------------------------------------------------------
def test_init_writes_a_project_folder_that_runs_offline(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    res = runner.invoke(app, ["init", str(tmp_path / "proj")])
    assert res.exit_code == 0, res.output
    proj = tmp_path / "proj"
    assert sorted(p.relative_to(proj).as_posix() for p in proj.rglob("*") if p.is_file()) == [
        ".gitignore", "newsletter.toml", "sources.toml", "subscribers/alerts.csv",
        "subscribers/daily.csv", "templates/README.md"]
    assert "var/" in (proj / ".gitignore").read_text().splitlines()
    rows = list(csv.reader((proj / "subscribers" / "daily.csv").open(encoding="utf-8")))
    assert rows[0][0] == "email" and len(rows) == 2 and "@" in rows[1][0]
    assert (proj / "sources.toml").read_bytes() == packaged_sources().read_bytes()
    readme = (proj / "templates" / "README.md").read_text()
    assert str(packaged_templates()) in readme and "{packaged}" not in readme
    # the next three commands, the first one entering the folder
    nxt = res.output.split("next:", 1)[1].strip().splitlines()
    assert len(nxt) == 3 and nxt[0].strip() == f"cd {proj}"
    assert "newsletter run --offline" in nxt[1]

    monkeypatch.chdir(proj)
    res = runner.invoke(app, ["run", "--offline"])
    assert res.exit_code == 0, res.output
    emls = list((proj / "var" / "outbox").rglob("*.eml"))
    assert len(emls) == 1                      # the one example reader
    msg = email.message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == rows[1][0]


def test_init_demo_copies_the_recorded_snapshots(tmp_path: Path) -> None:
    res = runner.invoke(app, ["init", str(tmp_path), "--demo"])
    assert res.exit_code == 0, res.output
    cmp = filecmp.dircmp(packaged_snapshots(), tmp_path / "snapshots")
    days = sorted(p.name for p in packaged_snapshots().iterdir() if p.is_dir())
    assert sorted(cmp.common_dirs) == days and not cmp.left_only
    for day in days:
        files = [p.name for p in (packaged_snapshots() / day).iterdir()]
        _, mismatch, errors = filecmp.cmpfiles(packaged_snapshots() / day,
                                               tmp_path / "snapshots" / day, files,
                                               shallow=False)
        assert not mismatch and not errors
    cfg = load_config(tmp_path / "newsletter.toml")
    assert cfg.snapshots_dir == tmp_path / "snapshots"   # the project's copy wins
    assert cfg.sources_file == tmp_path / "sources.toml"


def test_init_refuses_to_overwrite_and_names_the_files(tmp_path: Path) -> None:
    (tmp_path / "newsletter.toml").write_text("# mine\n")
    (tmp_path / "subscribers").mkdir()
    (tmp_path / "subscribers" / "daily.csv").write_text("email\nme@example.com\n")
    res = runner.invoke(app, ["init", str(tmp_path)])
    assert res.exit_code == 2
    assert "newsletter.toml" in res.output and "subscribers/daily.csv" in res.output
    assert "--force" in res.output and "Traceback" not in res.output
    # nothing was written, not even the files that did not exist
    assert (tmp_path / "newsletter.toml").read_text() == "# mine\n"
    assert not (tmp_path / "sources.toml").exists()
    res = runner.invoke(app, ["init", str(tmp_path), "--force"])
    assert res.exit_code == 0, res.output
    assert "[newsletter]" in (tmp_path / "newsletter.toml").read_text()
    assert "reader@example.com" in (tmp_path / "subscribers" / "daily.csv").read_text()


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    res = runner.invoke(app, ["init", str(tmp_path / "f")])
    assert res.exit_code == 2 and "not a folder" in res.output


# --- the commented newsletter.toml cannot drift from the config model ---------------------
REQUIRED = object()


def _tables(model: type[BaseModel], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Dotted table name -> {key: default} of every key of the model (None: no default)."""
    tables: dict[str, dict[str, Any]] = {prefix: {}}
    for name, f in model.model_fields.items():
        if model is Config and name in ("root", "file"):
            continue
        sub = f.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            tables.update(_tables(sub, f"{prefix}.{name}".lstrip(".")))
        elif name == "lists":
            tables.update(_tables(ListSettings, "lists.daily"))
        else:
            tables[prefix][name] = (REQUIRED if f.is_required()
                                    else f.get_default(call_default_factory=True))
    return {k: v for k, v in tables.items() if v}


def _keys_in(text: str) -> dict[str, dict[str, tuple[bool, Any, bool]]]:
    """table -> key -> (active, value, documented) for `key = v` and `# key = v` lines."""
    found: dict[str, dict[str, tuple[bool, Any, bool]]] = {}
    table, prev_comment = "", False
    for line in text.splitlines():
        s = line.strip()
        if m := re.fullmatch(r"\[([\w.]+)\]", s):
            table = m[1]
            found.setdefault(table, {})
        elif m := re.fullmatch(r"(#\s*)?(\w+)\s*=\s*(.+)", s):
            value = tomllib.loads(f"v = {m[3]}")["v"]   # a trailing comment is valid TOML
            documented = re.search(r"\s#\s", m[3]) is not None or prev_comment
            found.setdefault(table, {})[m[2]] = (m[1] is None, value, documented)
        prev_comment = s.startswith("#") and "=" not in s
    return found


def test_init_config_lists_every_key_with_its_default_and_a_comment() -> None:
    text = data_path("project", "newsletter.toml").read_text(encoding="utf-8")
    keys = _keys_in(text)
    missing = []
    for table, defaults in _tables(Config).items():
        for key, default in defaults.items():
            got = keys.get(table, {}).get(key)
            if got is None:
                missing.append(f"{table}.{key}")
                continue
            active, value, documented = got
            assert documented, f"{table}.{key} has no comment saying what it does"
            if default is REQUIRED:
                assert active, f"{table}.{key} is required: it must be set"
            elif default is None:
                assert not active, f"{table}.{key} has no default: it must be commented out"
            else:
                assert active and value == default, (
                    f"{table}.{key}: the file says {value!r}, the default is {default!r}")
    assert not missing, f"keys of the config model missing from the init file: {missing}"
    model = _tables(Config)
    extra = [f"{t}.{k}" for t, ks in keys.items() for k in ks      # every [lists.X] is a list
             if k not in model.get("lists.daily" if t.startswith("lists.") else t, {})]
    assert not extra, f"keys the config model does not know: {extra}"
    cfg = load_config(data_path("project", "newsletter.toml"))   # and it is valid
    assert cfg.lists["daily"].file == "subscribers/daily.csv"


# --- no newsletter.toml ---------------------------------------------------------------------
@pytest.mark.parametrize("cmd", [
    "run --offline", "collect --offline", "build", "send", "approve", "status", "preview",
    "serve", "inspect mining-com --offline", "prices", "subscribers list",
    "subscribers import", "subscribers add a@example.com", "subscribers remove a@example.com",
    "subscribers export"])
def test_every_command_without_a_config_file_exits_2_naming_the_folder(
        cmd: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, cmd.split(), input="")
    assert res.exit_code == 2, res.output
    assert NO_CONFIG.format(cwd=tmp_path) in " ".join(res.output.split())
    assert not (tmp_path / "var").exists()     # nothing was created by taking defaults


def test_a_given_config_that_does_not_exist_is_named(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["status", "--config", "etc/missing.toml"])
    assert res.exit_code == 2 and "etc/missing.toml: config file not found" in res.output
    res = runner.invoke(app, ["status", "--config", str(tmp_path)])
    assert res.exit_code == 2 and "is a folder" in res.output


def test_help_and_version_need_no_config(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["--help"]).exit_code == 0
    assert runner.invoke(app, ["run", "--help"]).exit_code == 0
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip().endswith(newsletter.__version__)


# --- one version ----------------------------------------------------------------------------
def test_one_version_number_for_pyproject_package_and_changelog() -> None:
    py = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" in py["project"]["dynamic"] and "version" not in py["project"]
    assert (py["tool"]["setuptools"]["dynamic"]["version"]["attr"]
            == "newsletter._version.__version__")
    # the installed metadata (built from pyproject) agrees with the module
    assert importlib.metadata.version("ree-daily") == newsletter.__version__
    changelog = (REPO / "CHANGELOG.md").read_text()
    first = re.search(r"(?m)^## (\S+)", changelog)
    assert first and first[1] == newsletter.__version__


def test_python_dash_m_newsletter_is_the_cli(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "newsletter", "--version"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"newsletter (REE Daily) {newsletter.__version__}"
    res = subprocess.run([sys.executable, "-m", "newsletter", "status"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "no newsletter.toml in" in res.stderr


# --- packaged defaults and their overrides --------------------------------------------------
def test_a_template_copied_into_the_project_replaces_the_packaged_one_even_while_running(
        tmp_path: Path) -> None:
    from newsletter.render._render import environment

    env = environment(Config(root=tmp_path))   # the renderer's own (cached) environment
    assert isinstance(env.loader, type(template_loader(tmp_path)))
    packaged = env.get_template("email/daily.txt.j2")
    assert packaged.filename == str(packaged_templates() / "email" / "daily.txt.j2")
    override = tmp_path / "templates" / "email" / "daily.txt.j2"
    override.parent.mkdir(parents=True)
    override.write_text("mine {{ 1 + 1 }}", encoding="utf-8")
    assert env.get_template("email/daily.txt.j2").render() == "mine 2"
    # a file not copied still comes from the package
    assert env.get_template("email/daily.html.j2").filename.startswith(str(packaged_templates()))
    override.unlink()
    assert env.get_template("email/daily.txt.j2").filename == packaged.filename


def test_a_path_set_in_the_file_is_used_as_written(tmp_path: Path) -> None:
    cfg_file = tmp_path / "newsletter.toml"
    cfg_file.write_text('[paths]\nsources = "mine/sources.toml"\n')
    cfg = load_config(cfg_file)
    assert cfg.sources_file == tmp_path / "mine" / "sources.toml"   # no silent fallback
    with pytest.raises(ConfigError, match="mine/sources.toml"):
        from newsletter.core import Newsletter

        Newsletter(cfg).sources()


def test_the_packaged_data_is_the_only_copy_in_the_repository() -> None:
    """Nothing reads seeds/sources.toml or seeds/snapshots/ any more: a file there (say from
    a branch made before the move) would be silently ignored, and missing from the wheel."""
    stray = [p.relative_to(REPO).as_posix() for p in
             (REPO / "seeds" / "sources.toml", REPO / "seeds" / "snapshots") if p.exists()]
    assert not stray, (f"{stray}: move them into newsletter/_data/ "
                       "(git mv seeds/snapshots/DATE newsletter/_data/snapshots/)")
