"""A smaller run of bench/fuzz_web.py: random and malformed requests at every public
endpoint must never produce a 5xx (a crash is counted as a 500 by TestClient)."""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.web.public import make_app

BENCH = Path(__file__).resolve().parent.parent / "bench"
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


def _fuzz_module():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("fuzz_web", BENCH / "fuzz_web.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(BENCH))
    return mod


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzzed_requests_never_get_a_5xx(project: Path, seed: int,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fuzz = _fuzz_module()
    monkeypatch.setenv("NEWSLETTER_SECRET", fuzz.SECRET)
    logging.getLogger("newsletter").setLevel(logging.CRITICAL)
    nl = Newsletter(load_config(project / "newsletter.toml"))
    from datetime import UTC, datetime

    ids = [nl.store.add_subscriber("daily", f"f{i}@example.com", now=datetime.now(UTC))[0].id
           for i in range(5)]
    codes, bad = fuzz.fuzz_app(make_app(nl), seed, 400, ids)
    nl.close()
    assert sum(codes.values()) == 400
    assert not bad, "\n".join(bad[:5])
    assert codes[404] > 0 and codes[200] > 0


def _hypothesis_module():
    sys.path.insert(0, str(BENCH))
    try:
        import _fuzz_hypothesis
    finally:
        sys.path.remove(str(BENCH))
    return _fuzz_hypothesis


def test_hypothesis_requests_at_the_public_app_never_get_a_5xx(project: Path) -> None:
    """Every route with generated paths, queries, forms, bodies and headers (issue 12);
    bench/fuzz_web.py --hypothesis runs the long version."""
    hyp = _hypothesis_module()
    logging.getLogger("newsletter").setLevel(logging.CRITICAL)
    nl = Newsletter(load_config(project / "newsletter.toml"))
    from datetime import UTC, datetime

    from newsletter.deliver._tokens import make_token

    sid = nl.store.add_subscriber("daily", "h@example.com", now=datetime.now(UTC))[0].id
    key = nl.config.secret()
    tokens = [make_token(key, p, "daily", sid) for p in ("unsub", "prefs")]
    tokens.append(make_token(key, "confirm", "daily", '["h2@example.com", ""]', ttl=3600))
    codes, bad = hyp.fuzz(make_app(nl), routes=hyp.PUBLIC_ROUTES, examples=300, seed=3,
                          extra_values=tokens)
    nl.close()
    assert sum(codes.values()) >= 300
    assert not bad, "\n".join(bad[:5])


def test_hypothesis_requests_at_the_preview_app_never_get_a_5xx(project: Path) -> None:
    hyp = _hypothesis_module()
    logging.getLogger("newsletter").setLevel(logging.CRITICAL)
    import json
    from datetime import UTC, datetime

    from newsletter.web.preview import make_preview_app

    nl = Newsletter(load_config(project / "newsletter.toml"))
    day = datetime(2026, 11, 24, 6, tzinfo=UTC)
    edition = json.loads((Path(__file__).parent / "data" / "edition.json").read_text())
    nl.store.save_edition(day.date(), edition, as_of=day, html_size=None, stories=[], now=day)
    app = make_preview_app(nl)
    csrf = app.state.preview.csrf
    codes, bad = hyp.fuzz(app, routes=hyp.PREVIEW_ROUTES, examples=200, seed=4,
                          extra_values=[csrf, "2026-11-24", "s1", "s3", "chart"],
                          base_url="http://127.0.0.1")
    nl.close()
    assert sum(codes.values()) >= 200
    assert not bad, "\n".join(bad[:5])
