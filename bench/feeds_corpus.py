"""Robustness: every file of feedparser's test corpus through ``inspect_target``.

Each file under /work/shared/corpus/feeds/feedparser/ (well-formed and ill-formed feeds,
odd encodings, entities, sanitizer cases) goes through the collector exactly as
``newsletter inspect FILE`` would. The bench counts crashes (anything other than a clean
FetchError/ParseError), clean per-file errors, and files that yield at least one item.
Baseline in the same run: bare ``feedparser.parse`` (feedparser's defaults, sanitizer on)
on the same files, for time and for how many give >= 1 entry.

    python bench/feeds_corpus.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser  # noqa: E402

from newsletter.collect import inspect_target  # noqa: E402
from newsletter.config import CollectSettings  # noqa: E402
from newsletter.exceptions import FetchError  # noqa: E402

UA = "REE-Daily-bench/0.1 (+https://github.com/ree-daily/ree-daily)"


async def run(files: list[Path]) -> tuple[Counter[str], list[str], Counter[str]]:
    settings = CollectSettings()
    counts: Counter[str] = Counter()
    crashes: list[str] = []
    errors: Counter[str] = Counter()
    for path in files:
        try:
            kind, items = await inspect_target(str(path), source=None, settings=settings,
                                               user_agent=UA)
        except FetchError as exc:
            counts["error"] += 1
            errors[exc.message.split(":")[0][:60]] += 1
            continue
        except Exception:
            counts["crash"] += 1
            crashes.append(f"{path}: {traceback.format_exc(limit=3)}")
            continue
        counts[kind] += 1
        if items:
            counts["with_items"] += 1
    return counts, crashes, errors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="/work/shared/corpus/feeds/feedparser")
    args = ap.parse_args()
    files = sorted(p for p in Path(args.corpus).rglob("*") if p.is_file()
                   and p.name != "LICENSE")
    t0 = time.perf_counter()
    counts, crashes, errors = asyncio.run(run(files))
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    parsed = [feedparser.parse(p.read_bytes()) for p in files]
    base = time.perf_counter() - t0
    base_items = sum(1 for d in parsed if d.entries)
    # entries with neither title, content, link nor id carry nothing to publish; we drop them
    useful = sum(1 for d in parsed if any(
        e.get("title") or e.get("summary") or e.get("content") or e.get("link") or e.get("id")
        for e in d.entries))
    print(f"files: {len(files)}")
    print(f"inspect_target: {ours:.2f} s; crashes: {counts['crash']}; clean errors: "
          f"{counts['error']}; detected feed: {counts['feed']}, page: {counts['page']}")
    print(f"files parsed to >= 1 item: {counts['with_items']} "
          f"(bare feedparser baseline: {base_items} files with >= 1 entry, {base:.2f} s; "
          f"time ratio {base / ours:.2f}x)")
    print(f"  of those, files with an entry that has a title, content, link or id: {useful}")
    for reason, n in errors.most_common(8):
        print(f"  error x{n}: {reason}")
    for c in crashes[:10]:
        print("CRASH", c)


if __name__ == "__main__":
    main()
