"""Signed tokens: bound to purpose, list and subscriber; tamper-proof; expiring."""

from __future__ import annotations

from newsletter.deliver._tokens import make_token, verify_token

SECRET = b"s3cret"


def test_round_trip_and_binding() -> None:
    t = make_token(SECRET, "unsub", "daily", 42)
    assert verify_token(SECRET, t, "unsub") == ("daily", 42)
    assert verify_token(SECRET, t, "confirm") is None          # other purpose
    assert verify_token(b"other", t, "unsub") is None           # other secret


def test_tampering_is_detected() -> None:
    t = make_token(SECRET, "unsub", "daily", 42)
    forged = make_token(b"attacker", "unsub", "daily", 43)
    body, sig = t.split(".")
    assert verify_token(SECRET, forged.split(".")[0] + "." + sig, "unsub") is None
    assert verify_token(SECRET, body + "." + sig[:-1] + ("A" if sig[-1] != "A" else "B"),
                        "unsub") is None
    for junk in ("", ".", "a.b.c", "x" * 5000, "%%%.%%%", "e30.AAAA"):
        assert verify_token(SECRET, junk, "unsub") is None


def test_expiry() -> None:
    t = make_token(SECRET, "confirm", "daily", "a@example.com", ttl=60, now=1000)
    assert verify_token(SECRET, t, "confirm", now=1059) == ("daily", "a@example.com")
    assert verify_token(SECRET, t, "confirm", now=1061) is None
