"""Benchmark: address validation against the isemail test suite.

    python bench/addresses.py [--corpus /work/shared/corpus/addresses/isemail-tests.xml]

Every case of Dominic Sayers' isemail suite (pyIsEmail's copy) goes through
``validate_address`` (email-validator plus our stricter checks), and once through plain
email-validator for comparison. For a mailing list, "valid" means the suite's
``ISEMAIL_VALID_CATEGORY`` (and ``ISEMAIL_DNSWARN``, if present: syntactically fine, DNS
unknown). Everything else -- RFC 5321/5322-legal oddities (quoted strings, address
literals, comments, folding whitespace), deprecated forms and errors -- has no place on a
list and should be rejected. Reported: invalid accepted (target 0) and valid rejected (with
the reason, e.g. single-label domains such as ``test@io``, which email-validator rejects
because they are not globally deliverable).
"""

from __future__ import annotations

import argparse
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VALID_CATEGORIES = {"ISEMAIL_VALID_CATEGORY", "ISEMAIL_DNSWARN"}


def load(path: Path) -> list[tuple[str, str, str, str]]:
    """``(id, address, category, diagnosis)`` per test; control symbols decoded."""
    out = []
    for t in ET.parse(path).getroot().iter("test"):
        addr = t.findtext("address") or ""
        # the suite writes control characters as U+2400 + code ("SYMBOL FOR ...")
        addr = "".join(chr(ord(c) - 0x2400) if 0x2400 <= ord(c) < 0x2420 else c
                       for c in addr)
        out.append((t.get("id", "?"), addr, t.findtext("category") or "",
                    t.findtext("diagnosis") or ""))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path,
                    default=Path("/work/shared/corpus/addresses/isemail-tests.xml"))
    ap.add_argument("-v", "--verbose", action="store_true", help="list every mismatch")
    args = ap.parse_args()

    from email_validator import EmailNotValidError, validate_email

    from newsletter.deliver import validate_address
    from newsletter.exceptions import SubscriberError

    cases = load(args.corpus)
    cats = Counter(c[2] for c in cases)
    print(f"{len(cases)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(cats.items())))

    def plain(addr: str) -> bool:
        try:
            validate_email(addr, check_deliverability=False)
        except EmailNotValidError:
            return False
        return True

    def ours(addr: str) -> tuple[bool, str]:
        try:
            validate_address(addr)
        except SubscriberError as exc:
            return False, exc.message
        return True, ""

    for label, fn in (("email-validator alone", lambda a: (plain(a), "")),
                      ("validate_address (ours)", ours)):
        t0 = time.perf_counter()
        bad_acc, good_rej = [], []
        for tid, addr, cat, diag in cases:
            ok, why = fn(addr)
            valid = cat in VALID_CATEGORIES
            if ok and not valid:
                bad_acc.append((tid, addr, diag))
            elif not ok and valid:
                good_rej.append((tid, addr, why))
        dt = (time.perf_counter() - t0) / len(cases) * 1e6
        n_valid = sum(1 for c in cases if c[2] in VALID_CATEGORIES)
        print(f"\n{label}: invalid accepted {len(bad_acc)} of {len(cases) - n_valid} "
              f"(target 0); valid rejected {len(good_rej)} of {n_valid}; {dt:.0f} us/address")
        if args.verbose or label.endswith("(ours)"):
            for tid, addr, diag in bad_acc:
                print(f"  ACCEPTED #{tid} {addr!r} ({diag})")
            for tid, addr, why in good_rej:
                print(f"  rejected #{tid} {addr!r}: {why}")


if __name__ == "__main__":
    main()
