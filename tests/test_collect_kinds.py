"""Source kinds are a registry (collect/_kinds.py): one registration adds a kind that
sources.toml accepts, that its validation checks and that the collector fetches and parses
(here against a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from newsletter.collect import (
    KindSpec,
    _kinds,
    collect_sources,
    load_sources,
    register_kind,
    source_kind,
)
from newsletter.collect._parse import Doc
from newsletter.config import CollectSettings
from newsletter.exceptions import ConfigError, ParseError
from newsletter.types import Item, Source

UA = "REE-Daily/0.1 (+https://github.com/ree-daily/ree-daily)"


def parse_lines(source: Source, data: bytes, ctype: str, url: str,
                content_location: str | None = None, limit: int = 20) -> Doc:
    """A made-up kind: one ``title | url`` per line."""
    items = []
    for line in data.decode("utf-8").splitlines():
        title, sep, link = line.partition("|")
        if not sep:
            raise ParseError(f"not a title | url line: {line!r}", source=source.name, url=url)
        items.append(Item(source=source.name, url=link.strip(), guid=link.strip(),
                          title=title.strip()))
    return items, [], []


def no_selectors(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [("selectors", "a lines source takes no selectors")] if raw.get("selectors") \
        else []


@pytest.fixture
def lines_kind(monkeypatch: pytest.MonkeyPatch) -> KindSpec:
    monkeypatch.setattr(_kinds, "_KINDS", dict(_kinds._KINDS))  # undone after the test
    return register_kind(KindSpec(name="lines", description="title | url lines",
                                  parse=parse_lines, fetch_policy="plain",
                                  validate=no_selectors))


@pytest.fixture
def site() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = (b"Lynas expands Kalgoorlie | https://news.example/lynas\n"
                    b"MP Materials magnets | https://news.example/mp\n")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_kind_names_the_built_in_kinds(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[source]]\nname = "a"\ntitle = "A"\nkind = "blog"\n'
                            'url = "https://a.example/"\n')
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert "source[0] (a).kind: expected \"feed\" or \"page\" (got 'blog')" in err.value.problems


def test_a_registered_kind_is_accepted_validated_and_collected(
        tmp_path: Path, lines_kind: KindSpec, site: str) -> None:
    bad = _write(tmp_path, f'[[source]]\nname = "l"\ntitle = "L"\nkind = "lines"\n'
                           f'url = "{site}/list.txt"\n[source.selectors]\nbody = "p"\n')
    with pytest.raises(ConfigError) as err:
        load_sources(bad)
    assert err.value.problems == ["source[0] (l).selectors: a lines source takes no selectors"]

    other = _write(tmp_path, '[[source]]\nname = "x"\ntitle = "X"\nkind = "atom"\n'
                             'url = "https://x.example/"\n')
    with pytest.raises(ConfigError) as err:
        load_sources(other)
    assert "expected \"feed\", \"page\" or \"lines\" (got 'atom')" in err.value.problems[0]

    (source,) = load_sources(_write(tmp_path, f'[[source]]\nname = "l"\ntitle = "L"\n'
                                              f'kind = "lines"\nurl = "{site}/list.txt"\n'))
    assert source.kind == "lines" and source_kind("lines") is lines_kind
    (result,) = asyncio.run(collect_sources([source], {}, CollectSettings(), user_agent=UA))
    assert result.status == "ok", result.error
    assert [(i.title, i.url) for i in result.items] == [
        ("Lynas expands Kalgoorlie", "https://news.example/lynas"),
        ("MP Materials magnets", "https://news.example/mp")]


def test_a_kind_name_cannot_be_registered_twice(lines_kind: KindSpec) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_kind(KindSpec(name="feed", description="again", parse=parse_lines,
                               fetch_policy="plain"))
