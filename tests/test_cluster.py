"""Near-duplicate clustering, fingerprints and the follow-up rule."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from newsletter.summarize import cluster as clu
from newsletter.types import Item

REPO = Path(__file__).resolve().parent.parent


def it(title: str, text: str, url: str = "", source: str = "s") -> Item:
    return Item(source, url or f"https://example.org/{abs(hash(title))}", title, title,
                text=text)


REWRITES = [
    it("MP Materials signs $400 million deal with Pentagon",
       "MP Materials said on Thursday the U.S. Department of Defense will invest $400 million "
       "in preferred stock, becoming its largest shareholder, and set a price floor of "
       "$110/kg for NdPr products from its Mountain Pass mine in California. The company "
       "will build a second magnet factory.", source="a"),
    it("Pentagon takes $400m stake in MP Materials, sets NdPr price floor",
       "The Pentagon will become the largest shareholder in MP Materials after agreeing to "
       "buy $400 million of preferred stock. The Defense Department also guaranteed a $110 "
       "per kilogram floor price for NdPr produced at Mountain Pass, and MP will build a "
       "second magnet plant.", source="b"),
    it("US Defense Department to become MP Materials largest shareholder",
       "The US Department of Defense is to become the largest shareholder of rare earths "
       "miner MP Materials through a $400 million investment, with a 10-year price floor of "
       "$110 per kg for NdPr from Mountain Pass, the company said.", source="c"),
]
OTHERS = [
    it("MP Materials reports third-quarter loss as Mountain Pass output rises",
       "MP Materials posted a net loss of $32 million for the third quarter as NdPr output "
       "at Mountain Pass rose 50%. The company said its magnet factory in Fort Worth, Texas, "
       "would start deliveries to General Motors."),
    it("China rare earth prices climb as NdPr hits 560,000 yuan",
       "Rare earth prices in China rose this week, with NdPr oxide at 560,000 yuan per "
       "tonne, according to SMM. Dysprosium oxide was steady."),
    it("Lynas opens Kalgoorlie processing plant",
       "Lynas Rare Earths said its Kalgoorlie plant produced first mixed rare earth "
       "carbonate, feeding its Malaysian refinery. Output will ramp up over six months."),
]


def test_groups_the_three_rewrites_and_nothing_else() -> None:
    items = [OTHERS[0], REWRITES[0], OTHERS[1], REWRITES[1], OTHERS[2], REWRITES[2]]
    groups = clu.cluster(items)
    assert [1, 3, 5] in groups
    assert sorted(i for g in groups for i in g) == list(range(6))
    assert len(groups) == 4


def test_same_template_different_figures_are_different_stories() -> None:
    a = it("Ucore wins $22 million Pentagon award for separation",
           "The Department of Defense awarded Ucore $22 million to build a heavy rare earth "
           "separation circuit. The plant will produce 300 tonnes of dysprosium oxide.")
    b = it("Lynas wins $128 million Pentagon award for separation",
           "The Department of Defense awarded Lynas $128 million to build a heavy rare earth "
           "separation circuit. The plant will produce 1,500 tonnes of dysprosium oxide.")
    assert clu.cluster([a, b]) == [[0], [1]]


def test_exact_duplicates_and_empty_items() -> None:
    a = REWRITES[0]
    dup = Item("other", "https://other.example/x", "x", a.title, text=a.text)
    empty1 = Item("s", "https://e/1", "1", "", text="")
    empty2 = Item("s", "https://e/2", "2", "", text="")
    assert clu.cluster([a, empty1, dup, empty2]) == [[0, 2], [1], [3]]
    assert clu.cluster([]) == []


def test_scales_without_all_pairs() -> None:
    # 3,000 distinct items (random words) plus one rewritten story: the rewrites still meet.
    rng = random.Random(5)
    vocab = [f"w{k}" for k in range(20_000)]
    items = [it(" ".join(rng.sample(vocab, 6)), " ".join(rng.sample(vocab, 40)))
             for _ in range(3000)]
    items += REWRITES
    groups = clu.cluster(items)
    assert [3000, 3001, 3002] in groups
    assert len(groups) == 3001


def test_fingerprint_is_compact_stable_and_comparable() -> None:
    fp = clu.fingerprint(REWRITES[0])
    assert fp.startswith("m1:") and len(fp) < 250
    assert fp == clu.fingerprint(REWRITES[0])
    assert clu.similarity(fp, fp) == 1.0
    assert clu.similarity(fp, clu.fingerprint(REWRITES[1])) > 0.2
    assert clu.similarity(fp, clu.fingerprint(OTHERS[2])) < 0.15
    assert clu.similarity(fp, "garbage") == 0.0
    assert clu.name_similarity(fp, clu.fingerprint(REWRITES[2])) > 0.6
    assert clu.name_similarity(fp, "garbage") is None


def test_fingerprint_does_not_depend_on_python_hash_seed() -> None:
    code = ("from newsletter.summarize.cluster import fingerprint\n"
            "from newsletter.types import Item\n"
            "print(fingerprint(Item('s', 'u', 'g', 'Lynas lifts NdPr output', "
            "text='Lynas said output rose 12% at Mount Weld.')))")
    outs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outs.add(subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True,
                                capture_output=True, text=True).stdout.strip())
    assert len(outs) == 1


def test_matches_previous() -> None:
    prev = {"story-a": clu.fingerprint(REWRITES[0]), "story-b": clu.fingerprint(OTHERS[2])}
    assert clu.matches_previous(clu.fingerprint(REWRITES[0]), prev) == "story-a"
    assert clu.matches_previous(clu.fingerprint(OTHERS[1]), prev) is None
    pairs = [("x", clu.fingerprint(OTHERS[1]))]
    assert clu.matches_previous(clu.fingerprint(OTHERS[1]), pairs) == "x"
    bare = [clu.fingerprint(OTHERS[1])]
    assert clu.matches_previous(bare[0], bare) == bare[0]


def test_relation_same_update_new() -> None:
    assert clu.relation(0.9, "Lynas lifts output", "Lynas lifts output") == "same"
    assert clu.relation(0.35, "Lynas lifts output", "Lynas lifts NdPr output") == "same"
    assert clu.relation(0.3, "MP Materials closes Pentagon deal",
                        "MP Materials signs $400 million deal with Pentagon") == "update"
    assert clu.relation(0.05, "MP Materials closes Pentagon deal",
                        "MP Materials signs Pentagon deal worth $400 million") == "update"
    assert clu.relation(0.05, "Lynas opens Kalgoorlie plant",
                        "MP Materials signs Pentagon deal") == "new"


def test_rewrite_of_an_earlier_story_is_same_not_update() -> None:
    old = clu.fingerprint(REWRITES[1])
    for rewrite in (REWRITES[0], REWRITES[2]):
        fp = clu.fingerprint(rewrite)
        sim = clu.similarity(fp, old)
        assert 0.2 <= sim < 0.6  # the middle band on text alone
        assert clu.relation(sim, rewrite.title, REWRITES[1].title,
                            clu.name_similarity(fp, old)) == "same"


def test_headline_only_entry_joins_the_full_article() -> None:
    full = it("Lynas to double heavy rare earths output by 2028, CEO says",
              "Lynas Rare Earths will double output of the heavy rare earths dysprosium and "
              "terbium at its plant in Malaysia by 2028, chief executive Amanda Lacaze told the "
              "annual meeting in Perth on Monday. The company is also expanding Mount Weld.")
    headline = Item("news-aggregator", "https://news.example/abc", "abc",
                    "Lynas chief says heavy rare earths output to double by 2028 - Reuters",
                    summary="Lynas chief says heavy rare earths output to double by 2028 Reuters")
    other = Item("news-aggregator", "https://news.example/def", "def",
                 "Solvay to double rare earths capacity in France - Reuters",
                 summary="Solvay to double rare earths capacity in France Reuters")
    assert clu.cluster([full, other, headline]) == [[0, 2], [1]]
