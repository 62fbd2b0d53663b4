"""Offline replay: an ``httpx.MockTransport`` serving the recordings of ``capture.toml``."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ..exceptions import ConfigError


class SnapshotTransport(httpx.MockTransport):
    """Replays one capture folder. A URL not in the manifest answers 404.

    Being a ``MockTransport``, it tells the fetcher that no DNS is available: the
    private-address guard then judges literal IP addresses only.
    """

    def __init__(self, responses: dict[str, dict[str, object]], folder: Path) -> None:
        self.responses = responses
        self.folder = folder
        self._bodies: dict[str, bytes] = {}
        super().__init__(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        entry = self.responses.get(str(request.url))
        if entry is None:
            return httpx.Response(404, text="not in the snapshot manifest",
                                  headers={"content-type": "text/plain"})
        status = int(str(entry.get("status", 200)))
        raw_headers = entry.get("headers")
        headers = ({str(k): str(v) for k, v in raw_headers.items()}
                   if isinstance(raw_headers, dict) else {})
        if entry.get("content_type"):
            headers["content-type"] = str(entry["content_type"])
        if entry.get("location"):
            headers["location"] = str(entry["location"])
        body = b""
        if entry.get("file"):
            name = str(entry["file"])
            if name not in self._bodies:
                self._bodies[name] = (self.folder / name).read_bytes()
            body = self._bodies[name]
        return httpx.Response(status, content=body, headers=headers)


def snapshot_transport(capture_dir: Path) -> tuple[SnapshotTransport, datetime]:
    """Build the replay transport for one capture folder.

    Args:
        capture_dir: a ``snapshots/<date>/`` folder holding ``capture.toml``.

    Returns:
        The transport and the capture time (aware UTC), the edition's as-of time offline.

    Raises:
        ConfigError: the manifest is missing or invalid, or names a missing file.
    """
    capture_dir = Path(capture_dir)
    manifest = capture_dir / "capture.toml"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{manifest}: snapshot manifest not found",
                          hint="each snapshot folder needs a capture.toml") from None
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{manifest}: cannot read: {exc}") from None
    problems: list[str] = []
    raw = data.get("captured_at")
    captured_at: datetime | None = None
    if isinstance(raw, datetime):
        captured_at = raw
    elif isinstance(raw, str):
        try:
            captured_at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"captured_at: not an ISO 8601 time (got {raw!r})")
    else:
        problems.append("captured_at: required key is missing")
    responses: dict[str, dict[str, object]] = {}
    for n, entry in enumerate(data.get("response") or []):
        where = f"response[{n}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            problems.append(f"{where}.url: required key is missing")
            continue
        if entry.get("file") and not (capture_dir / str(entry["file"])).is_file():
            problems.append(f"{where}.file: {entry['file']} not found in {capture_dir}")
        responses[str(httpx.URL(entry["url"]))] = entry
    if problems or captured_at is None:
        raise ConfigError(f"{manifest}: {len(problems)} problem(s):", problems=problems)
    if captured_at.tzinfo is None:
        captured_at = captured_at.replace(tzinfo=UTC)
    return SnapshotTransport(responses, capture_dir), captured_at.astimezone(UTC)
