"""``newsletter bounces ...``: parse bounce mails, fetch the bounce mailbox, list events.

Registered on the main app at the bottom of :mod:`newsletter.cli`, whose error handling and
console it reuses.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..cli import ConfigOpt, JsonOpt, err, handle_errors, out
from .parse import parse_bounce

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
@handle_errors
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


_ = ConfigOpt  # used by the commands of the later parts
