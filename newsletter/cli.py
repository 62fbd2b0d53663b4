"""The ``newsletter`` command line: a thin front end over :class:`newsletter.core.Newsletter`.

Only this module talks to the user. Expected errors (``NewsletterError``) become a short
message with a hint and exit code 1 or 2; unexpected ones are logged with their traceback
under ``var/logs/`` and reported in one line.
"""

from __future__ import annotations

import functools
import json
import logging
import shlex
import sys
import traceback
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ._version import __version__
from .cli_db import make_db_app
from .config import Config, load_config
from .core import Newsletter
from .exceptions import ConfigError, NewsletterError

app = typer.Typer(help="REE Daily: the rare-earth market newsletter, produced by software.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
                  context_settings={"help_option_names": ["-h", "--help"]})
subs_app = typer.Typer(help="Manage subscriber lists.", no_args_is_help=True)
app.add_typer(subs_app, name="subscribers")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Config file "
                                                "(default ./newsletter.toml).")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Edition date, YYYY-MM-DD.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]

F = TypeVar("F", bound=Callable[..., Any])


def _parse_date(value: str | None, option: str = "--date") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r}: expected a date as YYYY-MM-DD") from None


def _load(config: Path | None) -> Newsletter:
    cfg: Config = load_config(config)
    return Newsletter(cfg)


def handle_errors(fn: F) -> F:
    """Turn expected errors into a message and an exit code; log unexpected ones."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NewsletterError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: keep the traceback, tell the user where it is
            logdir = Path("var/logs")
            try:
                logdir.mkdir(parents=True, exist_ok=True)
                path = logdir / f"crash-{datetime.now():%Y%m%d-%H%M%S}.log"
                path.write_text(traceback.format_exc())
                where = f" (traceback in {path})"
            except OSError:
                where = ""
                traceback.print_exc()
            err.print(f"[bold red]internal error:[/] "
                      f"{escape(f'{type(exc).__name__}: {exc}{where}')}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _echo_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _collect_summary(rep: Any) -> None:
    ok = sum(1 for s in rep.sources if s["status"] == "ok")
    nm = sum(1 for s in rep.sources if s["status"] == "not_modified")
    out.print(f"collected [bold]{rep.items_new}[/] new items "
              f"({rep.items_updated} updated, {rep.prices_new} new price observations) "
              f"from {ok} sources" + (f", {nm} unchanged" if nm else "")
              + (" [dim](offline snapshots)[/]" if rep.offline else ""))
    for s in rep.failed:
        out.print(f"  [yellow]![/] {s['name']}: {escape(str(s['error']))}")
    for name, keys in getattr(rep, "alerts_queued", {}).items():
        out.print(f"  price alert(s) queued for list [bold]{name}[/]: "
                  + ", ".join(k.replace("|", " on ") for k in keys))


def _build_summary(b: Any) -> None:
    out.print(f"built the edition of [bold]{b.date}[/]: {b.stories} stories, "
              f"{b.highlights} highlights, {b.prices} price rows "
              f"from {b.items_considered} items; HTML {b.html_size / 1024:.1f} KB")
    for w in b.warnings:
        out.print(f"  [yellow]warning:[/] {w}")
    out.print(f"  -> {b.directory}/email.html, email.txt, edition.json")


def _weekly_summary(b: Any) -> None:
    out.print(f"built the weekly recap of [bold]{b.date}[/] for list {b.list_name} (week "
              f"{b.week}, {b.year}): {b.rows} price rows, {b.stories} stories from "
              f"{b.editions} daily edition{'' if b.editions == 1 else 's'}; "
              f"HTML {b.html_size / 1024:.1f} KB")
    out.print(f"  subject: {escape(b.subject)}")
    for w in b.warnings:
        out.print(f"  [yellow]warning:[/] {w}")
    out.print(f"  -> {b.directory}/email.html, email.txt, edition.json")


def _send_summary(reports: list[Any], nl: Newsletter) -> int:
    code = 0
    for r in reports:
        if r.already_sent:
            out.print(f"list [bold]{r.list_name}[/]: already sent for this edition "
                      "(nothing to do)")
            continue
        line = (f"list [bold]{r.list_name}[/]: {r.sent} sent, {r.deferred} deferred, "
                f"{r.failed} failed, {r.bounced} bounced")
        out.print(line)
        for note in r.notes:
            out.print(f"  [yellow]note:[/] {escape(note)}")
        if r.paused:
            out.print(f"  [red]paused:[/] {escape(r.pause_reason or '')}\n"
                      "  run `newsletter send` again to resume once fixed")
            code = 1
        elif r.failed:
            code = 1
    if nl.config.delivery.transport == "outbox":
        out.print(f"  -> messages in {nl.config.data_dir / 'outbox'}/")
    return code


def _alerts_summary(reports: list[Any]) -> int:
    """One line per alert sent (ledger unit LIST+COMMODITY); 1 if one paused or failed."""
    code = 0
    for r in reports:
        out.print(f"alert [bold]{r.list_name}[/] of {r.edition_date}: {r.sent} sent, "
                  f"{r.deferred} deferred, {r.failed} failed")
        if r.paused:
            out.print(f"  [red]paused:[/] {escape(r.pause_reason or '')}\n"
                      "  run `newsletter send` again to resume once fixed")
        code = code or int(r.paused or bool(r.failed))
    return code


def _progress() -> Any:
    """A rich progress callback on a terminal, None otherwise."""
    if not err.is_terminal:
        return None
    from rich.progress import Progress

    prog = Progress(console=err, transient=True)
    tasks: dict[str, Any] = {}

    def update(list_name: str, done: int, total: int) -> None:
        if list_name not in tasks:
            prog.start()
            tasks[list_name] = prog.add_task(f"sending {list_name}", total=total)
        prog.update(tasks[list_name], completed=done, total=total)
        if done >= total:
            prog.stop()

    return update


def _require_send_secret(nl: Newsletter) -> None:
    """Mail that leaves the machine carries signed links: it needs NEWSLETTER_SECRET (the
    outbox transport writes local files and may use the generated local secret)."""
    if nl.config.delivery.transport != "outbox":
        nl.config.require_secret(f"sending through {nl.config.delivery.transport!r}")


def _version(value: bool) -> None:
    if value:
        out.print(f"newsletter (REE Daily) {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    """REE Daily: the rare-earth market newsletter, produced by software."""


# --- a new project folder ----------------------------------------------------------------
@app.command()
@handle_errors
def init(directory: Annotated[Path, typer.Argument(help="The project folder (created if "
                                                   "missing).")] = Path("."),
         demo: Annotated[bool, typer.Option("--demo", help="Also copy the recorded "
                                            "snapshots into snapshots/.")] = False,
         force: Annotated[bool, typer.Option("--force", help="Overwrite files that "
                                             "exist.")] = False) -> None:
    """Create a project folder: newsletter.toml, sources.toml, subscribers/, templates/."""
    from .project import init_project

    rep = init_project(directory, demo=demo, force=force)
    where = rep.directory.resolve()
    files = [r for r in rep.written if not r.startswith("snapshots/")]
    out.print(f"created a REE Daily project in {escape(str(where))}: {', '.join(files)}"
              + (f", snapshots/ ({', '.join(rep.snapshot_days)})" if rep.snapshot_days else ""),
              soft_wrap=True)
    first = (f"cd {escape(shlex.quote(str(directory)))}" if where != Path.cwd().resolve()
             else "$EDITOR newsletter.toml        # your title, addresses and public_url")
    out.print("next:\n"
              f"  {first}\n"
              "  newsletter run --offline       # build an edition from the recorded "
              "sources into var/outbox/\n"
              "  newsletter preview             # look at it on http://127.0.0.1:8000",
              soft_wrap=True)


# --- the daily job -----------------------------------------------------------------------
@app.command()
@handle_errors
def run(offline: Annotated[bool, typer.Option("--offline", help="Replay the recorded snapshots "
                                              "instead of the network.")] = False,
        date_: DateOpt = None,
        no_send: Annotated[bool, typer.Option("--no-send", help="Collect and build only.")]
        = False,
        config: ConfigOpt = None) -> None:
    """The daily job: collect, build, send (to the outbox by default)."""
    nl = _load(config)
    day = _parse_date(date_)
    if not no_send:
        _require_send_secret(nl)
    rep = nl.collect(offline=offline, day=day if offline else None)
    _collect_summary(rep)
    alert_code = 0 if no_send else _alerts_summary(nl.send_alerts())
    b = nl.build(day if not offline else None, as_of=rep.as_of if offline else None)
    _build_summary(b)
    # every list due today: the daily lists, and the weekly lists on their send day
    due = nl.due_lists(b.date)
    for name in due:
        if nl.list_kind(name) == "weekly":
            _weekly_summary(nl.build_list(name, b.date,
                                          as_of=rep.as_of if offline else None))
    if no_send:
        out.print("not sending (--no-send); preview with `newsletter preview`")
        raise typer.Exit(1 if rep.failed else 0)
    if nl.config.editorial.approval == "required":
        waiting = [n for n in due
                   if (row := nl.store.edition(b.date, nl.list_kind(n))) is None
                   or row["status"] != "approved"]
        for n in waiting:
            out.print(f"[yellow]not sending list {n}:[/] approval is required; review with "
                      f"`newsletter preview`, then `newsletter approve --date {b.date}"
                      f"{'' if nl.list_kind(n) == 'daily' else ' --list ' + n}` "
                      "and `newsletter send`")
        due = [n for n in due if n not in waiting]
        if not due:
            return
    code = _send_summary(nl.send(b.date, lists=due, progress=_progress()), nl)
    raise typer.Exit(code or alert_code or (1 if rep.failed else 0))


@app.command()
@handle_errors
def collect(offline: Annotated[bool, typer.Option("--offline")] = False,
            json_: JsonOpt = False, date_: DateOpt = None,
            source: Annotated[list[str] | None, typer.Option("--source",
                              help="Only this source (repeatable).")] = None,
            config: ConfigOpt = None) -> None:
    """Fetch all sources and store new items (`--json` prints the run report)."""
    nl = _load(config)
    rep = nl.collect(offline=offline, day=_parse_date(date_), only=source)
    if json_:
        _echo_json({"sources": rep.sources, "items_new": rep.items_new})
    else:
        _collect_summary(rep)
    if rep.failed:
        raise typer.Exit(1)


@app.command()
@handle_errors
def build(date_: DateOpt = None,
          list_: Annotated[str | None, typer.Option(
              "--list", help="Build the edition this list gets (its `edition` kind: a "
                             "weekly list's recap goes to var/issues/DATE/weekly/).")] = None,
          config: ConfigOpt = None) -> None:
    """Assemble and render the edition into var/issues/DATE/."""
    nl = _load(config)
    day = _parse_date(date_)
    if list_ and nl.list_kind(list_) != "daily":
        _weekly_summary(nl.build_list(list_, day))
        return
    _build_summary(nl.build(day))


@app.command()
@handle_errors
def send(date_: DateOpt = None,
         list_: Annotated[str | None, typer.Option("--list", help="Only this list.")] = None,
         to: Annotated[str | None, typer.Option("--to", help="Send one test copy to this "
                                                "address (the ledger is untouched).")] = None,
         config: ConfigOpt = None) -> None:
    """Deliver the built edition; resumable (run it again to finish an interrupted send)."""
    nl = _load(config)
    day = _parse_date(date_)
    _require_send_secret(nl)
    if to:
        where = nl.send_test(to, day, list_)
        out.print(f"test copy sent to {to} ({where})")
        return
    if list_ and nl.config.list_settings(list_).edition == "alerts":
        raise typer.Exit(_alerts_summary(nl.send_alerts()))   # queued alerts only
    code = _send_summary(nl.send(day, list_name=list_, progress=_progress()), nl)
    raise typer.Exit(code or (0 if list_ else _alerts_summary(nl.send_alerts())))


@app.command()
@handle_errors
def approve(date_: DateOpt = None,
            by: Annotated[str | None, typer.Option("--by", help="Who approves.")] = None,
            list_: Annotated[str | None, typer.Option(
                "--list", help="Approve the edition this list gets (default: the daily "
                               "edition).")] = None,
            config: ConfigOpt = None) -> None:
    """Approve the edition for sending (needed when editorial approval is "required")."""
    nl = _load(config)
    kind = nl.list_kind(list_) if list_ else "daily"
    day = nl.approve(_parse_date(date_), by, kind=kind)
    out.print(f"approved the {'' if kind == 'daily' else kind + ' '}edition of {day}")


# --- looking at things -------------------------------------------------------------------
@app.command()
@handle_errors
def inspect(source: Annotated[str, typer.Argument(help="A source name from sources.toml, "
                                                  "a URL, or a local file.")],
            url: Annotated[str | None, typer.Option("--url", help="Fetch this URL with the "
                                                    "source's rules.")] = None,
            offline: Annotated[bool, typer.Option("--offline", help="Read the recorded "
                                                  "snapshot instead of the network.")] = False,
            json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Show what the collector extracts from a feed or page."""
    nl = _load(config)
    data = nl.inspect(source, url, offline=offline)
    if json_:
        _echo_json(data)
        return
    out.print(f"[bold]{data['kind']}[/] with {len(data['items'])} items")
    for it in data["items"]:
        mark = "[green]REE[/]" if it["relevant"] else "[dim]---[/]"
        out.print(f" {mark} {it['relevance']:.2f}  {it['title']}")
        out.print(f"           [dim]{it['url']}[/]")
        for p in it["prices"]:
            out.print(f"           price: {p}")


@app.command()
@handle_errors
def prices(json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Price and index items found in the text on stdin."""
    load_config(config)  # like every command: in a project folder, or with --config
    items = Newsletter.prices(sys.stdin.read())
    if json_:
        _echo_json([p.to_dict() for p in items])
        return
    if not items:
        out.print("no price or index items found")
    for p in items:
        level = f"{p.low:,.2f}" if p.low == p.high else f"{p.low:,.2f}-{p.high:,.2f}"
        out.print(f"{p.commodity:14} {p.kind:6} {level} {p.unit}"
                  + (f"  change {p.change:+,}" if p.change is not None else "")
                  + (f"  {p.change_pct:+}%" if p.change_pct is not None else "")
                  + (f"  basis {p.basis}" if p.basis else ""))


@app.command()
@handle_errors
def status(json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Last runs, source health, next scheduled runs, pending sends."""
    nl = _load(config)
    st = nl.status()
    if json_:
        _echo_json(st)
        return
    def when(iso: str | None) -> str:
        return iso.replace("T", " ")[:16] if iso else "-"

    for job in ("collect", "build", "send"):
        r = st["last_runs"].get(job)
        last = f"{r['status']} at {when(r['finished'])} UTC" if r else "never"
        out.print(f"{job:8} last: {last:32} next: {when(st['next_runs'].get(job))}")
    for name, ls in st["lists"].items():
        last = ls["last_edition"]
        out.print(f"list {name} ({ls['kind']}): last edition "
                  + (f"{last['date']} ({last['status']}"
                     + (f", send {last['send']}" if last["send"] else ", not sent") + ")"
                     if last else "none")
                  + f", next send {when(ls['next_send'])}")
    lead = st["scheduler"]["leader"]
    out.print(f"scheduler: {st['scheduler']['mode']}, "
              + (f"led by {lead['holder']} since {when(lead['since'])} UTC"
                 + ("" if lead["alive"] else " (no heartbeat: stale)") if lead
                 else "no instance running"))
    ed = st["latest_edition"]
    if ed:
        by = f", approved by {ed['approved_by']}" if ed.get("approved_by") else ""
        out.print(f"latest edition: {ed['date']} ({ed['status']}{by})")
    else:
        out.print("no edition yet: run `newsletter build` (or `newsletter run --offline`)")
    t = Table("source", "status", "last fetch (UTC)", "error", title="sources")
    for s in st["sources"]:
        t.add_row(s["name"], s["last_status"] or "-", when(s["last_fetch_at"]),
                  escape((s["last_error"] or "")[:70]))
    out.print(t)
    for r in st.get("bounces", {}).get("editions", [])[:3]:
        out.print(f"edition {r['edition']} {r['list']}: {r['sent']} sent, bounce rate "
                  f"{r['bounce_rate']:.2%}, complaint rate {r['complaint_rate']:.2%}")
    if st["deliveries"]:
        for d in st["deliveries"]:
            out.print("pending deliveries: " + ", ".join(f"{k}={v}" for k, v in d.items()))
    else:
        out.print("no pending or deferred deliveries")


# --- front ends --------------------------------------------------------------------------
@app.command()
@handle_errors
def preview(port: Annotated[int, typer.Option("--port")] = 8000,
            host: Annotated[str, typer.Option("--host", help="Bind address (loopback "
                                              "unless you say otherwise; any other needs "
                                              "the access token it prints).")] = "127.0.0.1",
            allow_host: Annotated[list[str] | None, typer.Option(
                "--allow-host", help="Another Host name to answer (repeatable).")] = None,
            config: ConfigOpt = None) -> None:
    """The editors' local preview app."""
    from .web.preview import run_preview

    run_preview(_load(config), host=host, port=port, allow_hosts=allow_host or ())


@app.command()
@handle_errors
def serve(config: ConfigOpt = None) -> None:
    """The service: scheduler plus the public web endpoints."""
    from .service import run_service

    raise typer.Exit(run_service(_load(config)))


@app.command()
@handle_errors
def doctor(json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Check the install and configuration before going live (exit 1 if a check fails)."""
    from .doctor import run_checks

    checks = run_checks(config)
    if json_:
        _echo_json({"checks": [c.to_json() for c in checks]})
    else:
        marks = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]"}
        t = Table("check", "status", "detail", title="newsletter doctor")
        for c in checks:
            detail = escape(c.detail) + (f"\n[dim]hint: {escape(c.hint)}[/]" if c.hint else "")
            t.add_row(c.name, marks[c.status], detail)
        out.print(t)
    failed = [c.name for c in checks if c.status == "fail"]
    if not json_:
        out.print(f"[bold red]{len(failed)} check(s) failed:[/] {', '.join(failed)}" if failed
                  else "no check failed")
    raise typer.Exit(1 if failed else 0)


# --- subscribers -------------------------------------------------------------------------
ListOpt = Annotated[str, typer.Option("--list", help="List name from newsletter.toml.")]


@subs_app.command("import")
@handle_errors
def subs_import(file: Annotated[Path | None, typer.Argument(help="CSV file (default: the "
                                                            "list's file).")] = None,
                list_: ListOpt = "daily",
                check_deliverability: Annotated[bool, typer.Option(
                    "--check-deliverability", help="Also check the domain accepts mail "
                    "(needs DNS).")] = False,
                config: ConfigOpt = None) -> None:
    """Import a CSV (columns email, name, ...); rejected rows are reported as file:line."""
    from .deliver import import_csv

    nl = _load(config)
    ls = nl.config.list_settings(list_)
    path = file or nl.config.path(ls.file)
    rep = import_csv(nl.store, path, list_, now=nl.now(),
                     check_deliverability=check_deliverability)
    for r in rep.rejected:
        err.print(f"[yellow]rejected[/] {escape(r)}")
    out.print(f"{path}: {rep.added} added, {rep.updated} updated, "
              f"{rep.merged_duplicates} duplicates merged, {len(rep.rejected)} rejected, "
              f"{rep.kept_suppressed} kept unsubscribed/bounced")
    if rep.rejected:
        raise typer.Exit(1)


@subs_app.command("list")
@handle_errors
def subs_list(list_: ListOpt = "daily",
              status_: Annotated[str | None, typer.Option("--status")] = None,
              json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """List subscribers of a list."""
    from .deliver import list_subscribers

    nl = _load(config)
    nl.config.list_settings(list_)
    rows = list_subscribers(nl.store, list_, status=status_)
    if json_:
        _echo_json(rows)
        return
    t = Table("email", "name", "status")
    for r in rows:
        t.add_row(r["email"], r["name"], r["status"])
    out.print(t)


@subs_app.command("add")
@handle_errors
def subs_add(email: str, name: Annotated[str, typer.Option("--name")] = "",
             list_: ListOpt = "daily", config: ConfigOpt = None) -> None:
    """Add one subscriber (an unsubscribed or bounced address stays suppressed)."""
    from .deliver import add_subscriber

    nl = _load(config)
    nl.config.list_settings(list_)
    sub, created = add_subscriber(nl.store, list_, email, name, now=nl.now())
    if created:
        out.print(f"added {escape(sub.email)} to {list_}")
    else:
        out.print(f"{escape(sub.email)} is already on {list_} ({sub.status})")


@subs_app.command("remove")
@handle_errors
def subs_remove(email: str, list_: ListOpt = "daily", config: ConfigOpt = None) -> None:
    """Unsubscribe one address (kept as unsubscribed so a re-import cannot undo it)."""
    from .deliver import remove_subscriber

    nl = _load(config)
    nl.config.list_settings(list_)
    if remove_subscriber(nl.store, list_, email, now=nl.now()):
        out.print(f"unsubscribed {email} from {list_}")
    else:
        err.print(f"{email} is not on {list_}")
        raise typer.Exit(1)


@subs_app.command("export")
@handle_errors
def subs_export(list_: ListOpt = "daily",
                output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
                config: ConfigOpt = None) -> None:
    """Export a list as CSV (to stdout or --output)."""
    from .deliver import export_csv

    nl = _load(config)
    nl.config.list_settings(list_)
    if output:
        with output.open("w", newline="", encoding="utf-8") as fh:
            export_csv(nl.store, list_, fh)
    else:
        export_csv(nl.store, list_, sys.stdout)


# Bounce handling (issue 14) has its own command module; its commands get handle_errors here.
from .cli_bounces import bounces_app, subscriber_show  # noqa: E402

for _cmd in bounces_app.registered_commands:
    if _cmd.callback is not None:
        _cmd.callback = handle_errors(_cmd.callback)
app.add_typer(bounces_app, name="bounces")
subs_app.command("show")(handle_errors(subscriber_show))

app.add_typer(make_db_app(handle_errors, out, err), name="db")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app(prog_name="newsletter")


if __name__ == "__main__":
    main()

