"""Article-text extraction quality: 4-token shingle F1 against ground truth.

Runs the collector's page extractor with no selectors (the trafilatura path) over
/work/shared/corpus/articles (html/*.html.gz + ground-truth-dev.json, the Scrapinghub
article-extraction benchmark) and scores each page the way that benchmark does: lowercased
word tokens, 4-token shingles, precision and recall of the shingle multisets, F1 per page.
Baseline in the same run: the whole page's visible text (no extraction).

    python bench/articles.py [--corpus DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html  # noqa: E402

from newsletter.collect._pages import extract_article  # noqa: E402
from newsletter.collect._text import decode_bytes, html_to_text  # noqa: E402

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall((text or "").lower())
    return Counter(tuple(tokens[i:i + n]) for i in range(max(0, len(tokens) - n + 1)))


def f1(pred: str, true: str) -> tuple[float, float, float]:
    p, t = shingles(pred), shingles(true)
    tp = sum((p & t).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    if not p and not t:
        return 1.0, 1.0, 1.0
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def whole_text(html: str) -> str:
    try:
        root = lxml.html.document_fromstring(html)
    except Exception:
        return ""
    body = root.find("body")
    return html_to_text(body if body is not None else root)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="/work/shared/corpus/articles")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    truth = json.loads((corpus / "ground-truth-dev.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[: args.limit or None]
    scores, base_scores, precs, recs, rows = [], [], [], [], []
    spent = 0.0
    for key in keys:
        path = corpus / "html" / f"{key}.html.gz"
        if not path.exists():
            continue
        html = decode_bytes(gzip.decompress(path.read_bytes()))
        t0 = time.perf_counter()
        art = extract_article(html, truth[key].get("url") or "https://example.com/", {})
        spent += time.perf_counter() - t0
        true = truth[key].get("articleBody") or ""
        p, r, f = f1(art.text, true)
        precs.append(p)
        recs.append(r)
        scores.append(f)
        base_scores.append(f1(whole_text(html), true)[2])
        rows.append((f, key))
    n = len(scores)
    print(f"pages: {n}  extraction time: {spent / n * 1000:.1f} ms/page")
    print(f"extractor  F1 mean {statistics.mean(scores):.3f}  median "
          f"{statistics.median(scores):.3f}  (precision {statistics.mean(precs):.3f}, "
          f"recall {statistics.mean(recs):.3f})")
    print(f"baseline (whole page text) F1 mean {statistics.mean(base_scores):.3f}  median "
          f"{statistics.median(base_scores):.3f}")
    ratio = statistics.mean(scores) / statistics.mean(base_scores)
    print(f"ratio to baseline (mean F1): {ratio:.2f}x")
    print(f"pages with F1 >= 0.9: {sum(s >= 0.9 for s in scores)}/{n}")
    for f, key in sorted(rows)[: args.worst]:
        print(f"  {f:.3f} {key}")


if __name__ == "__main__":
    main()
