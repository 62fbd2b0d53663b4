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
