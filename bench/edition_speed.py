"""How fast is build_edition, and does its cost grow linearly?

Generates synthetic but realistic items (general business, mining and political news, about
5% rare-earth stories of which a third are rewrites of one another across sources, plus a
price source's rows), times ``build_edition`` on 1,000 / 10,000 / 50,000 items and prints
the per-item cost and its ratio to the 1,000-item run (~1 means linear). The baseline, in the
same run: naive all-pairs title-similarity clustering (difflib ratio) of 1,000 items, the
approach MinHash/LSH replaces, and our ``cluster()`` on the same 1,000 items.

    python bench/edition_speed.py [--sizes 1000,10000,50000] [--seed 7]
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.config import EditorialSettings  # noqa: E402
from newsletter.summarize.cluster import cluster  # noqa: E402
from newsletter.summarize.edition import build_edition  # noqa: E402
from newsletter.types import Item, Source  # noqa: E402

AS_OF = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)

SOURCES = {
    "ree-exchanges": Source("ree-exchanges", "Rare Earth Exchanges", "page", "https://x", 0.95),
    "mining-com": Source("mining-com", "Mining.com", "feed", "https://x", 0.7),
    "mining-weekly": Source("mining-weekly", "Mining Weekly", "feed", "https://x", 0.6,
                            excerpt_cap=200),
    "investing-news": Source("investing-news", "Investing News", "feed", "https://x", 0.6),
    "wire": Source("wire", "Business Wire", "feed", "https://x", 0.3, excerpt_cap=0),
    "general": Source("general", "General News", "feed", "https://x", 0.2),
    "tech": Source("tech", "Tech Daily", "feed", "https://x", 0.2),
    "smm": Source("smm", "SMM", "page", "https://x", 0.9, role="prices"),
}

COMPANIES = ["Acme Holdings", "Borealis Energy", "Kestrel Mining", "Northwind Capital",
             "Orion Foods", "Vantage Motors", "Halcyon Bank", "Trident Logistics",
             "Summit Copper", "Golden Arc Resources", "Lumen Telecom", "Pioneer Lithium"]
PLACES = ["Chile", "Peru", "Ontario", "Nevada", "Queensland", "Quebec", "Zambia", "Texas",
          "Bavaria", "Jiangsu", "Sao Paulo", "Kazakhstan"]
COMMODITIES = ["copper", "gold", "lithium", "nickel", "iron ore", "coal", "oil", "silver",
               "zinc", "cobalt"]
GENERAL = [
    "{c} said on {d} it would raise ${n} million to expand its {k} operations in {p}.",
    "Shares of {c} rose {x}% after quarterly revenue beat analyst forecasts.",
    "The government of {p} announced new permitting rules for {k} mines, officials said.",
    "Analysts expect {k} prices to stay volatile as demand from China slows.",
    "{c} appointed a new chief executive, ending a six-month search.",
    "The central bank held interest rates at {x}% and signalled caution on inflation.",
    "Workers at the {p} plant of {c} began a strike over pay, a union spokesman said.",
    "The company also said it expects output of {n},000 tonnes of {k} next year.",
    "Critical minerals have become a focus of trade talks between the two governments.",
    "A new stadium in {p} will open next season after delays, the city council said.",
    "{c} agreed to buy a rival for ${n} million in cash and shares.",
    "Local media reported heavy rain across {p}, disrupting rail freight for days.",
]
REE_FACTS = [
    ("{r} starts production at {proj}",
     "{r} said on {d} that its {proj} project produced its first mixed rare earth carbonate. "
     "The company expects to reach {n},000 tonnes a year of NdPr oxide by 2028. "
     "Neodymium and praseodymium are used in permanent magnets for electric vehicles."),
    ("China rare earth prices climb as NdPr reaches {y} yuan per tonne",
     "Prices of Pr-Nd oxide in China rose to {y} yuan/t this week, according to SMM. "
     "Dysprosium oxide gained {x}% while terbium was steady. Traders cited tight supply "
     "from Myanmar and firm demand from magnet makers."),
    ("Beijing tightens export controls on rare earth magnet technology",
     "China's Ministry of Commerce said export licences will be required for {n} rare earth "
     "processing technologies. The rules extend earlier controls on dysprosium and terbium. "
     "Analysts said the move would hit magnet makers in Japan and Europe."),
    ("{r} wins ${n} million Pentagon award for heavy rare earth separation",
     "The U.S. Department of Defense awarded {r} ${n} million to build a heavy rare earth "
     "separation circuit. The plant will produce dysprosium and terbium oxide. "
     "{r} said construction would begin next year."),
]
REE_COS = ["Lynas", "MP Materials", "Arafura", "Iluka", "Ucore", "Pensana", "Mkango",
           "Energy Fuels", "Neo Performance Materials", "Aclara"]
PROJECTS = ["Nolans", "Eneabba", "Longonjo", "Songwe Hill", "Mount Weld", "Halleck Creek"]


def _general(rng: random.Random, i: int) -> Item:
    fill = {"c": rng.choice(COMPANIES), "p": rng.choice(PLACES), "k": rng.choice(COMMODITIES),
            "n": rng.randint(10, 900), "x": round(rng.uniform(0.5, 9.5), 1),
            "d": rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])}
    sents = [s.format(**fill) for s in rng.sample(GENERAL, rng.randint(4, 8))]
    title = f"{fill['c']} {rng.choice(['expands', 'reports', 'faces', 'plans', 'wins'])} " \
            f"{rng.choice(['deal', 'growth', 'delays', 'review', 'contract'])} in {fill['p']}"
    src = rng.choice(["general", "general", "tech", "mining-com", "investing-news", "wire"])
    pub = AS_OF - timedelta(hours=rng.uniform(0, 72))
    return Item(src, f"https://news.example/{src}/{i}", f"g{i}", title, pub,
                text=" ".join(sents), summary=sents[0])


def _ree(rng: random.Random, i: int, story: int) -> list[Item]:
    srng = random.Random(story)
    title_t, text_t = REE_FACTS[story % len(REE_FACTS)]
    fill = {"r": srng.choice(REE_COS), "proj": srng.choice(PROJECTS), "n": srng.randint(5, 900),
            "y": f"{srng.randint(380, 620)},000", "x": srng.randint(1, 9),
            "d": srng.choice(["Monday", "Tuesday", "Wednesday"])}
    title, text = title_t.format(**fill), text_t.format(**fill)
    pub = AS_OF - timedelta(hours=srng.uniform(0, 60))
    out = [Item("ree-exchanges", f"https://ree.example/{story}", f"r{story}", title, pub,
                text=text, summary=text.split(". ")[0] + ".")]
    for k, src in enumerate(rng.sample(["mining-com", "mining-weekly", "investing-news"],
                                       rng.randint(0, 2))):
        words = text.split()
        rng.shuffle(words[:6])
        rewrite = "According to reports, " + text[0].lower() + text[1:] + \
            " The news was welcomed by investors."
        out.append(Item(src, f"https://{src}.example/{story}-{k}", f"{src}{story}",
                        f"{title} - report", pub + timedelta(hours=2), text=rewrite))
    return out


def make_items(n: int, seed: int = 7) -> list[Item]:
    """``n`` synthetic items: ~5% rare-earth stories with rewrites, ~2% price rows."""
    rng = random.Random(seed)
    items: list[Item] = []
    story = 0
    while len(items) < n:
        r = rng.random()
        if r < 0.03:
            items.extend(_ree(rng, len(items), story))
            story += 1
        elif r < 0.05:
            items.append(Item("smm", f"https://smm.example/p{len(items)}", f"p{len(items)}",
                              "Pr-Nd oxide 560,000 yuan/t", AS_OF, text="Pr-Nd oxide up."))
        else:
            items.append(_general(rng, len(items)))
    return items[:n]


def time_build(items: list[Item]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one build_edition call."""
    t, c = time.perf_counter(), time.process_time()
    build_edition(items, sources=SOURCES, previous=[], prices=[], index_chart=None,
                  date=date(2026, 11, 24), as_of=AS_OF, title="REE Daily",
                  settings=EditorialSettings())
    return time.perf_counter() - t, time.process_time() - c


def naive_cluster(items: list[Item], threshold: float = 0.6) -> list[list[int]]:
    """The baseline: compare every pair of titles with difflib (quadratic)."""
    parent = list(range(len(items)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    titles = [it.title.lower() for it in items]
    for i in range(len(items)):
        sm = difflib.SequenceMatcher(None, titles[i])
        for j in range(i + 1, len(items)):
            sm.set_seq1(titles[j])
            if sm.quick_ratio() >= threshold and sm.ratio() >= threshold:
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="runs per size up to 10,000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    time_build(make_items(200, args.seed))  # warm-up (imports, regex compilation, caches)
    per_item: dict[int, float] = {}
    walls: dict[int, float] = {}
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; best of "
          f"{args.repeat} runs (CPU time is the figure least disturbed by other processes)")
    print(f"{'items':>8} {'wall s':>8} {'cpu s':>8} {'cpu us/item':>12} {'ratio to first':>15}")
    for n in sizes:
        items = make_items(n, args.seed)
        runs = [time_build(items) for _ in range(args.repeat if n <= 10_000 else 1)]
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        per_item[n], walls[n] = cpu / n, wall
        print(f"{n:>8} {wall:>8.3f} {cpu:>8.3f} {per_item[n] * 1e6:>12.1f} "
              f"{per_item[n] / per_item[sizes[0]]:>15.2f}")
    if len(sizes) > 1:
        print(f"per-item cost ratio {sizes[-1]}/{sizes[0]}: "
              f"{per_item[sizes[-1]] / per_item[sizes[0]]:.2f} (1.0 = linear)")
    if 10_000 in per_item:
        print(f"10,000 items: {walls[10_000]:.3f} s wall, {per_item[10_000] * 10_000:.3f} s "
              f"CPU (budget 2 s)")
    # Baseline: naive all-pairs title clustering vs MinHash/LSH on the same 1,000 items.
    sample = make_items(1000, args.seed)
    t = time.perf_counter()
    naive = naive_cluster(sample)
    t_naive = time.perf_counter() - t
    t = time.perf_counter()
    ours = cluster(sample)
    t_ours = time.perf_counter() - t
    print(f"baseline naive all-pairs title clustering, 1,000 items: {t_naive:.3f} s "
          f"({len(naive)} groups)")
    print(f"MinHash/LSH cluster(), same 1,000 items (all of them, relevant or not): "
          f"{t_ours:.3f} s ({len(ours)} groups); speed-up x{t_naive / t_ours:.1f}")


if __name__ == "__main__":
    main()
