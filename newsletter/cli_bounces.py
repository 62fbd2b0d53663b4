"""``newsletter bounces ...``: parse bounce mails, fetch the bounce mailbox, list events.

The front end of :mod:`newsletter.bounces` (a stage, which never imports the core),
registered on the main app by :mod:`newsletter.cli`, which wraps every command here in its
``handle_errors`` (this module must not import ``newsletter.cli``: ``python -m
newsletter.cli`` runs that module as ``__main__``, and importing it back would make a
second copy).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from .bounces import parse_bounce
from .config import load_config
from .core import Newsletter

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Config file "
                                                "(default ./newsletter.toml).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def _load(config: Path | None) -> Newsletter:
    return Newsletter(load_config(config))


def _echo_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")

bounces_app = typer.Typer(help="Bounces, complaints and auto-replies that come back after "
                          "sending.", no_args_is_help=True)


def _walk(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(root) / name
    else:
        yield path


@bounces_app.command("parse")
def parse_cmd(paths: Annotated[list[Path], typer.Argument(help="Mail files (.eml, raw "
                                                          "RFC 5322) or folders of them.")],
              json_: JsonOpt = False) -> None:
    """Classify bounce mails: hard, soft, complaint, auto-reply, not-bounce or unknown.

    One line per file; exit 0 even when a file is unknown, 2 when a path cannot be read.
    """
    unreadable = 0
    for top in paths:
        if not top.exists():
            err.print(f"[bold red]error:[/] {escape(str(top))}: no such file or folder")
            unreadable += 1
            continue
        for path in _walk(top):
            try:
                raw = path.read_bytes()
            except OSError as exc:
                err.print(f"[bold red]error:[/] {escape(str(path))}: cannot read "
                          f"({escape(exc.strerror or str(exc))})")
                unreadable += 1
                continue
            result = parse_bounce(raw)
            if json_:
                sys.stdout.write(json.dumps(result.to_json(str(path)), ensure_ascii=False)
                                 + "\n")
            else:
                who = ", ".join(result.recipients) or "-"
                extra = f" {result.status}" if result.status else ""
                out.print(f"{escape(str(path))}: [bold]{result.kind}[/]{extra} {escape(who)}"
                          + (f"  [dim]{escape(result.diagnostic[:120])}[/]"
                             if result.diagnostic else ""))
    if unreadable:
        raise typer.Exit(2)


@bounces_app.command("ingest")
def ingest_cmd(paths: Annotated[list[Path], typer.Argument(help="Mail files or folders; "
                                                           "'-' reads one mail from stdin "
                                                           "(an MTA pipe).")],
               config: ConfigOpt = None) -> None:
    """Store and act on bounce mails (what `bounces fetch` does with the mailbox)."""
    from .bounces import ingest_mail

    newsletter = _load(config)
    unreadable = 0
    sources: list[tuple[str, bytes]] = []
    for top in paths:
        if str(top) == "-":
            sources.append(("-", sys.stdin.buffer.read()))
            continue
        if not top.exists():
            err.print(f"[bold red]error:[/] {escape(str(top))}: no such file or folder")
            unreadable += 1
            continue
        for path in _walk(top):
            try:
                sources.append((str(path), path.read_bytes()))
            except OSError as exc:
                err.print(f"[bold red]error:[/] {escape(str(path))}: cannot read "
                          f"({escape(exc.strerror or str(exc))})")
                unreadable += 1
    for name, raw in sources:
        for o in ingest_mail(newsletter.store, raw, source="cli", config=newsletter.config,
                             now=newsletter.now()):
            note = "" if o.created else " (already stored)"
            out.print(f"{escape(name)}: {o.kind} {escape(o.recipient or '-')}: "
                      f"{escape(o.decision or '-')}{note}")
    if unreadable:
        raise typer.Exit(2)


@bounces_app.command("list")
def list_cmd(json_: JsonOpt = False,
             limit: Annotated[int, typer.Option("--limit", help="Newest N events.")] = 100,
             config: ConfigOpt = None) -> None:
    """The stored bounce, complaint and auto-reply events and what each decided."""
    newsletter = _load(config)
    events = newsletter.store.bounce_events(limit=limit)
    if json_:
        _echo_json([e.to_dict() for e in events])
        return
    if not events:
        out.print("no bounce or complaint events stored")
    for e in events:
        out.print(f"#{e.id} {e.received:%Y-%m-%d %H:%M} {e.source:10} [bold]{e.kind:10}[/] "
                  f"{escape(e.recipient or '-')} {e.status or ''}\n"
                  f"    -> {escape(e.decision or 'not decided yet')}"
                  + (f"\n    [dim]{escape(e.diagnostic[:150])}[/]" if e.diagnostic else ""))


@bounces_app.command("resume")
def resume_cmd(list_: Annotated[str, typer.Option("--list", help="List name.")] = "daily",
               by: Annotated[str, typer.Option("--by", help="Who decides.")] = "operator",
               config: ConfigOpt = None) -> None:
    """Send a list again although its last edition passed the complaint-rate limit."""
    from .bounces import acknowledge_complaints

    newsletter = _load(config)
    newsletter.config.list_settings(list_)
    edition = acknowledge_complaints(newsletter.store, list_, by, newsletter.now())
    if edition is None:
        err.print(f"list {list_} has no sent edition: nothing to acknowledge")
        raise typer.Exit(1)
    out.print(f"complaints of the {edition} edition of {list_} acknowledged by {by}; "
              "the next send goes ahead")


def subscriber_show(email: Annotated[str, typer.Argument(help="The address.")],
                    json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """One address on every list: status, why, bounce score, and the events behind it."""
    from .exceptions import SubscriberError
    from .store import email_key

    newsletter = _load(config)
    try:
        key = email_key(email)
    except SubscriberError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    rows = newsletter.store.subscribers_by_key(key)
    if not rows:
        err.print(f"{escape(email)} is on no list")
        raise typer.Exit(1)
    subs = []
    for r in rows:
        sub = newsletter.store.get_subscriber(r.list, r.id)
        score = newsletter.store.bounce_score(r.id)
        d = sub.to_dict() if sub else {"id": r.id, "list": r.list, "status": r.status}
        d["bounce_score"] = None if score is None else {
            "score": score.score, "last_day": score.last_day.isoformat()
            if score.last_day else None,
            "reenable_at": score.reenable_at.isoformat() if score.reenable_at else None}
        subs.append(d)
    events = newsletter.store.bounce_events(subscriber_ids=[r.id for r in rows], recipient_key=key)
    if json_:
        _echo_json({"email": rows[0].email, "subscriptions": subs,
                    "events": [e.to_dict() for e in events]})
        return
    for d in subs:
        sc = d["bounce_score"]
        out.print(f"{escape(d['list'])}: [bold]{d['status']}[/]"
                  + (f" ({escape(d.get('status_reason') or '')})"
                     if d.get("status_reason") else "")
                  + (f"  bounce score {sc['score']:g}" if sc else ""))
    for e in events:
        out.print(f"  #{e.id} {e.received:%Y-%m-%d %H:%M} {e.kind} {e.status or ''} "
                  f"via {e.source}: {escape(e.decision or 'not decided yet')}")


@bounces_app.command("fetch")
def fetch_cmd(json_: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Read the bounce mailbox now ([bounces.mailbox]): store and act on every message."""
    from .bounces import fetch_mailbox as fetch

    newsletter = _load(config)
    rep = fetch(newsletter.store, newsletter.config, newsletter.now)
    if json_:
        _echo_json(rep.to_dict())
    else:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(rep.kinds.items())) or "nothing"
        out.print(f"bounce mailbox: {rep.fetched} read ({kinds}); {rep.stored} stored, "
                  f"{rep.duplicates} already stored")
        for k in rep.kept:
            out.print(f"  [yellow]kept in the mailbox, not understood:[/] {escape(k)}")
    for e in rep.errors:
        err.print(f"[yellow]warning:[/] {escape(e)}")
    if rep.errors:
        raise typer.Exit(1)
