"""Subscriber lists: CSV import with validation, export, add/remove, and list sync.

The list file (``[lists.NAME] file``) is the operator's source of truth for *additions*:
before a send, :func:`sync_list` imports it. Removing a row from the file does not
unsubscribe anyone (use ``newsletter subscribers remove``), and a re-import never undoes an
unsubscribe, a hard bounce or a complaint.

CSV format: UTF-8 (a BOM is fine), a header row naming the columns, ``email`` required,
``name`` optional, any other column kept as a per-subscriber field (stored as JSON, usable
for personalisation). ``status``, ``created`` and ``updated`` columns (written by
:func:`export_csv`) are ignored on import.

Import is all-or-nothing for the valid rows: every rejected row is reported as
``file:line: reason``, the valid rows are written in one transaction, and if that write
fails nothing is written.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from email_validator import EmailNotValidError, validate_email

from ..exceptions import SubscriberError
from ..store import STATUSES, Subscriber, SubscriberInput

if TYPE_CHECKING:
    from ..config import Config
    from ..store import Store

MAX_NAME = 200
MAX_FIELD = 1000
MAX_ROW_BYTES = 16_384
IGNORED_COLUMNS = frozenset({"status", "created", "updated"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Characters RFC 5322 allows in an unquoted local part (atext) plus the dot; anything
# else (quoted strings, comments, spaces) has no place on a mailing list.
_ATEXT_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")


@dataclass
class ImportReport:
    """What an import did.

    Attributes:
        file: the file imported (as given).
        rows_total: data rows read (the header and blank lines are not counted).
        added: new subscribers.
        updated: existing subscribers whose name or fields changed.
        unchanged: existing subscribers left as they were.
        merged_duplicates: rows whose address appeared earlier in the file (the later
            row's name and fields win).
        rejected: one ``file:line: reason`` per rejected row.
        kept_suppressed: rows for unsubscribed, bounced or complained addresses, which stay
            suppressed (only a confirmed opt-in reactivates them).
    """

    file: str
    rows_total: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merged_duplicates: int = 0
    rejected: list[str] = field(default_factory=list)
    kept_suppressed: int = 0

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        """One line for the CLI."""
        return (f"{self.file}: {self.rows_total} rows, {self.added} added, "
                f"{self.updated} updated, {self.unchanged} unchanged, "
                f"{self.merged_duplicates} duplicates merged, "
                f"{self.kept_suppressed} kept suppressed, {len(self.rejected)} rejected")

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "rows_total": self.rows_total, "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged,
                "merged_duplicates": self.merged_duplicates, "rejected": list(self.rejected),
                "kept_suppressed": self.kept_suppressed}


def validate_address(address: str, *, check_deliverability: bool = False) -> tuple[str, str]:
    """Validate one address for a mailing list.

    email-validator checks the syntax (and, optionally, that the domain accepts mail).
    Internationalised addresses are fine: a non-ASCII domain is sent IDNA-encoded, a
    non-ASCII local part (``jürgen@example.de``) is sent with SMTPUTF8 (RFC 6531; a server
    without it refuses that one recipient, permanently, with the reason);
    on top of it we refuse what a list has no use for even where RFC 5322 allows it:
    quoted local parts, comments, domain literals, control characters and line breaks.

    Returns:
        ``(email, key)``: the address to send to (local part as given, domain
        lower-cased) and its identity (:func:`newsletter.store._subscribers.email_key`).

    Raises:
        SubscriberError: the address is not acceptable; the message says why.
    """
    if not isinstance(address, str) or not address.strip():
        raise SubscriberError("empty email address")
    if _CONTROL.search(address):
        raise SubscriberError("email address contains a line break or control character")
    if address != address.strip():
        # (callers strip CSV cells and command-line input; here whitespace is FWS)
        raise SubscriberError(f"invalid email address {address!r}: leading or trailing "
                              "whitespace")
    if len(address) > 254:
        raise SubscriberError("email address is longer than 254 characters")
    try:
        v = validate_email(address, check_deliverability=check_deliverability,
                           allow_smtputf8=True, allow_quoted_local=False,
                           allow_domain_literal=False, allow_display_name=False,
                           allow_empty_local=False)
    except EmailNotValidError as exc:
        raise SubscriberError(f"invalid email address {address!r}: {exc}") from None
    local = v.local_part
    if len(local.encode()) > 64:  # RFC 5321 4.5.3.1.1; email-validator lets it pass
        raise SubscriberError(f"invalid email address {address!r}: the part before the @ "
                              "is longer than 64 characters")
    if local.isascii() and not _ATEXT_LOCAL.fullmatch(local):
        raise SubscriberError(f"invalid email address {address!r}: unusual characters "
                              "in the part before the @")
    domain = v.domain.lower()
    ascii_domain = (v.ascii_domain or domain).lower()
    return f"{local}@{domain}", f"{local}@{ascii_domain}"


def _clean_name(name: str) -> str:
    if _CONTROL.search(name):
        raise SubscriberError("name contains a line break or control character")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise SubscriberError(f"name is longer than {MAX_NAME} characters")
    return name


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SubscriberError("subscriber file not found (check [lists] file in "
                              "newsletter.toml)", location=str(path)) from None
    except OSError as exc:
        raise SubscriberError(f"cannot read: {exc.strerror}", location=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SubscriberError("not UTF-8 text (save the file as UTF-8 CSV)",
                              location=f"{path}:{line}") from None


def _rows(text: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """``(line, values, error)`` per CSV record; ``line`` is where the record starts."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, None, f"malformed CSV: {exc}"
            continue
        yield start, values, None


def parse_csv(path: str | os.PathLike[str], *, check_deliverability: bool = False
              ) -> tuple[list[SubscriberInput], ImportReport]:
    """Read and validate a subscriber CSV without touching the store.

    Returns:
        the valid rows (duplicates merged, in file order of first appearance) and a report
        with ``rows_total``, ``merged_duplicates`` and ``rejected`` filled in.

    Raises:
        SubscriberError: the file cannot be read, is not UTF-8, or has no ``email`` column
            in its header (located as ``file:1``).
    """
    path = Path(path)
    name = str(path)
    report = ImportReport(file=name)
    text = _read_text(path)
    rows = _rows(text)
    header: list[str] | None = None
    for line, values, error in rows:
        if error:
            raise SubscriberError(f"cannot read the header row: {error}",
                                  location=f"{name}:{line}")
        assert values is not None
        if any(v.strip() for v in values):
            header = [v.strip().lower() for v in values]
            header_line = line
            break
    if header is None:
        raise SubscriberError("empty file: expected a header row with an 'email' column",
                              location=f"{name}:1")
    if "email" not in header:
        raise SubscriberError("the header row has no 'email' column (found: "
                              f"{', '.join(repr(h) for h in header) or 'nothing'})",
                              location=f"{name}:{header_line}")
    dupes = [h for h in header if h and header.count(h) > 1]
    if dupes:
        raise SubscriberError(f"column {dupes[0]!r} appears twice in the header row",
                              location=f"{name}:{header_line}")
    i_email = header.index("email")
    i_name = header.index("name") if "name" in header else None
    extra = [(i, h) for i, h in enumerate(header)
             if h and h not in ("email", "name") and h not in IGNORED_COLUMNS]
    valid: dict[str, SubscriberInput] = {}
    for line, values, error in rows:
        where = f"{name}:{line}"
        if error:
            report.rows_total += 1
            report.rejected.append(f"{where}: {error}")
            continue
        assert values is not None
        if not any(v.strip() for v in values):
            continue
        report.rows_total += 1
        try:
            if len(values) > len(header):
                raise SubscriberError(f"{len(values)} values but the header has "
                                      f"{len(header)} columns")
            if sum(len(v) for v in values) > MAX_ROW_BYTES:
                raise SubscriberError(f"row longer than {MAX_ROW_BYTES} characters")
            values = values + [""] * (len(header) - len(values))
            if any("\r" in v or "\n" in v for v in values):
                raise SubscriberError("line break inside a field (CR/LF is not allowed in "
                                      "addresses, names or fields)")
            email, key = validate_address(values[i_email].strip(),
                                          check_deliverability=check_deliverability)
            display = _clean_name(values[i_name]) if i_name is not None else ""
            fields = {}
            for i, h in extra:
                v = values[i].strip()
                if _CONTROL.search(v):
                    raise SubscriberError(f"column {h!r} contains a control character")
                if len(v) > MAX_FIELD:
                    raise SubscriberError(f"column {h!r} is longer than {MAX_FIELD} "
                                          "characters")
                if v:
                    fields[h] = v
        except SubscriberError as exc:
            report.rejected.append(f"{where}: {exc.message}")
            continue
        if key in valid:
            report.merged_duplicates += 1
            del valid[key]  # re-insert: the later row wins
        valid[key] = SubscriberInput(email=email, key=key, name=display, fields=fields)
    return list(valid.values()), report


def import_csv(store: Store, path: str | os.PathLike[str], list_name: str, *,
               now: datetime, check_deliverability: bool = False) -> ImportReport:
    """Import a subscriber CSV into a list.

    Args:
        store: the store.
        path: the CSV file (header row required, ``email`` column required).
        list_name: the list to import into.
        now: the time recorded on new and updated rows.
        check_deliverability: also check that each domain accepts mail (DNS lookups).

    Returns:
        An :class:`ImportReport`; ``rejected`` lists every bad row as ``file:line: reason``.

    Raises:
        SubscriberError: the file is unreadable or has no ``email`` column (nothing is
            imported).
        StoreError: the database write failed (nothing is imported).
    """
    rows, report = parse_csv(path, check_deliverability=check_deliverability)
    counts = store.upsert_subscribers(list_name, rows, now)
    report.added, report.updated = counts.added, counts.updated
    report.unchanged, report.kept_suppressed = counts.unchanged, counts.kept_suppressed
    return report


def sync_list(store: Store, config: Config, list_name: str, now: datetime) -> ImportReport:
    """Import the configured file of a list (run before each send).

    Raises:
        ConfigError: no such list.
        SubscriberError: the file is missing, unreadable or has no ``email`` column.
    """
    settings = config.list_settings(list_name)
    return import_csv(store, config.path(settings.file), list_name, now=now)


def add_subscriber(store: Store, list_name: str, email: str, name: str = "", *,
                   now: datetime, fields: dict[str, str] | None = None,
                   check_deliverability: bool = False) -> tuple[Subscriber, bool]:
    """Validate and add one address (``newsletter subscribers add``).

    Returns:
        ``(subscriber, created)``; an existing address is left as it is (a suppressed one
        stays suppressed: only a confirmed opt-in reactivates it).

    Raises:
        SubscriberError: invalid address, or CR/LF or control characters in the name.
    """
    address, _key = validate_address(email.strip(),
                                     check_deliverability=check_deliverability)
    clean = _clean_name(name or "")
    for k, v in (fields or {}).items():
        if _CONTROL.search(k) or _CONTROL.search(v):
            raise SubscriberError(f"field {k!r} contains a line break or control character")
    return store.add_subscriber(list_name, address, clean, fields=fields, now=now)


def remove_subscriber(store: Store, list_name: str, email_or_id: str | int, *,
                      now: datetime) -> bool:
    """Unsubscribe an address (never deletes it, so a re-import cannot bring it back).

    Returns:
        False if the list has no such subscriber.
    """
    sub = store.get_subscriber(list_name, email_or_id)
    if sub is None:
        return False
    return store.unsubscribe(list_name, sub.id, now, reason="removed by the operator")


def list_subscribers(store: Store, list_name: str,
                     status: str | None = None) -> list[dict[str, Any]]:
    """Subscribers of a list (optionally of one status) as JSON-ready dicts.

    Keys: ``id``, ``list``, ``email``, ``name``, ``status``, ``fields``, ``created``,
    ``updated``, ``confirmed_at``, ``status_reason`` (see
    :class:`~newsletter.store._subscribers.Subscriber`; ``store.subscribers()`` returns
    the objects themselves).

    Raises:
        SubscriberError: unknown status.
    """
    return [s.to_dict() for s in _subscribers(store, list_name, status)]


def _subscribers(store: Store, list_name: str, status: str | None) -> list[Subscriber]:
    if status is not None and status not in STATUSES:
        raise SubscriberError(f"unknown status {status!r}; expected one of "
                              f"{', '.join(STATUSES)}")
    return store.subscribers(list_name, status)


def export_csv(store: Store, list_name: str, out: TextIO | str | os.PathLike[str],
               status: str | None = None) -> int:
    """Write a list as CSV: ``email,name,status,<fields...>``. Returns the row count.

    The output can be imported again (``status`` is ignored on import).
    """
    subs = _subscribers(store, list_name, status)
    extra = sorted({k for sub in subs for k in sub.fields} - {"email", "name", "status"})
    if isinstance(out, str | os.PathLike):
        with open(out, "w", encoding="utf-8", newline="") as fh:
            return _write(fh, subs, extra)
    return _write(out, subs, extra)


def _write(fh: TextIO, subs: list[Subscriber], extra: list[str]) -> int:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["email", "name", "status", *extra])
    for sub in subs:
        w.writerow([sub.email, sub.name, sub.status, *(sub.fields.get(k, "") for k in extra)])
    return len(subs)
