"""Near-duplicate clustering, fingerprints and the follow-up rule."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from newsletter.summarize import cluster as clu
from newsletter.summarize import fingerprints as fps
from newsletter.summarize import words
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
    fp = fps.fingerprint(REWRITES[0])
    assert fp.startswith("m1:") and len(fp) < 250
    assert fp == fps.fingerprint(REWRITES[0])
    assert fps.similarity(fp, fp) == 1.0
    assert fps.similarity(fp, fps.fingerprint(REWRITES[1])) > 0.2
    assert fps.similarity(fp, fps.fingerprint(OTHERS[2])) < 0.15
    assert fps.similarity(fp, "garbage") == 0.0
    assert fps.name_similarity(fp, fps.fingerprint(REWRITES[2])) > 0.6
    assert fps.name_similarity(fp, "garbage") is None


def test_fingerprint_does_not_depend_on_python_hash_seed() -> None:
    code = ("from newsletter.summarize.fingerprints import fingerprint\n"
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
    prev = {"story-a": fps.fingerprint(REWRITES[0]), "story-b": fps.fingerprint(OTHERS[2])}
    assert fps.matches_previous(fps.fingerprint(REWRITES[0]), prev) == "story-a"
    assert fps.matches_previous(fps.fingerprint(OTHERS[1]), prev) is None
    pairs = [("x", fps.fingerprint(OTHERS[1]))]
    assert fps.matches_previous(fps.fingerprint(OTHERS[1]), pairs) == "x"
    bare = [fps.fingerprint(OTHERS[1])]
    assert fps.matches_previous(bare[0], bare) == bare[0]


def test_relation_same_update_new() -> None:
    assert fps.relation(0.9, "Lynas lifts output", "Lynas lifts output") == "same"
    assert fps.relation(0.35, "Lynas lifts output", "Lynas lifts NdPr output") == "same"
    assert fps.relation(0.3, "MP Materials closes Pentagon deal",
                        "MP Materials signs $400 million deal with Pentagon") == "update"
    assert fps.relation(0.05, "MP Materials closes Pentagon deal",
                        "MP Materials signs Pentagon deal worth $400 million") == "update"
    assert fps.relation(0.05, "Lynas opens Kalgoorlie plant",
                        "MP Materials signs Pentagon deal") == "new"


def test_rewrite_of_an_earlier_story_is_same_not_update() -> None:
    old = fps.fingerprint(REWRITES[1])
    for rewrite in (REWRITES[0], REWRITES[2]):
        fp = fps.fingerprint(rewrite)
        sim = fps.similarity(fp, old)
        assert 0.2 <= sim < 0.6  # the middle band on text alone
        assert fps.relation(sim, rewrite.title, REWRITES[1].title,
                            fps.name_similarity(fp, old)) == "same"


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


# --- cases from the recorded snapshots (Nov 23-25), written inline -------------------------

def at(source: str, slug: str, title: str, text: str, when: str, host: str = "") -> Item:
    from datetime import datetime
    return Item(source, f"https://{host or source + '.example'}/{slug}", slug, title,
                datetime.fromisoformat(when), text=text)


EU_REE = at("ree", "eu", "EU and China Agree 'General Licence' Pilot for Rare Earth Magnet Exports",
            "Highlights\n\n• Brussels and Beijing agreed a six-month pilot of general export "
            "licences for NdFeB magnets shipped to verified European users.\n\n• The pilot covers "
            "automotive and wind-turbine makers and cuts licence processing from 45 days to "
            "about 10.\n\nThe European Commission and China's Ministry of Commerce agreed on "
            "Tuesday to pilot \"general licences\" for exports of rare earth permanent magnets "
            "to pre-verified European end users, according to a joint statement.",
            "2026-11-25T01:20:00+00:00")
EU_SCMP = at("scmp", "eu", "China and EU agree pilot to speed up rare earth magnet exports",
             "China and the European Union have agreed to pilot a \"general licence\" system for "
             "exports of rare earth magnets to European carmakers and wind-turbine makers, "
             "easing a bottleneck that has disrupted European factories for more than a year.",
             "2026-11-25T02:50:00+00:00")
EU_GN = at("gn", "eu",
           "EU and China strike rare earth licence deal for carmakers - POLITICO Europe",
           "EU and China strike rare earth licence deal for carmakers POLITICO Europe",
           "2026-11-25T00:30:00+00:00", host="news.google.com/rss/articles")
ILUKA_FAULT = at("ree", "iluka-fault", "Iluka Flags Kiln Fault at Eneabba Rare Earth Refinery",
                 "Iluka Resources told the ASX on Monday morning that a section of refractory "
                 "lining in the concentrate cracking kiln at its Eneabba refinery failed during "
                 "hot commissioning last week. The company has not changed its 2027 "
                 "first-production target for the A$1.8 billion refinery in Western Australia.",
                 "2026-11-22T23:10:00+00:00")
ILUKA_RESTART = at("ree", "iluka-restart", "Iluka Restarts Eneabba Kiln, Holds 2027 Timeline",
                   "Iluka Resources said on Wednesday that repairs to the refractory lining of "
                   "the cracking kiln at its Eneabba rare earth refinery were complete and that "
                   "hot commissioning had resumed, two days after the company disclosed the "
                   "failure. It expects no change to its 2027 first-production target.",
                   "2026-11-25T03:05:00+00:00")
ILUKA_GN = at("gn", "iluka", "Iluka fixes Eneabba kiln, sticks to 2027 start - The West Australian",
              "Iluka fixes Eneabba kiln, sticks to 2027 start The West Australian",
              "2026-11-25T04:20:00+00:00", host="news.google.com/rss/articles")
ARAFURA_MC = at("mc", "arafura",
                "Arafura's lenders sign term sheets for Nolans rare earths project",
                "Arafura Rare Earths (ASX: ARU) said on Tuesday its lending group, led by Export "
                "Finance Australia, the German KfW IPEX-Bank and Canada's EDC, has signed "
                "credit-approved term sheets for US$1.1 billion of debt for the Nolans project "
                "in the Northern Territory. The company completed its offtake book last week.",
                "2026-11-24T05:10:00+00:00")
ARAFURA_MW = at("mw", "arafura", "Arafura's lenders commit to Nolans",
                "Rare earths developer Arafura has received credit-approved term sheets from its "
                "lending syndicate for $1.1-billion in debt funding for the Nolans project, in "
                "the Northern Territory, moving it closer to a final investment decision early "
                "next year.", "2026-11-24T03:40:00+00:00")


def test_one_event_from_three_outlets_is_one_story() -> None:
    groups = clu.cluster([EU_REE, ILUKA_FAULT, EU_SCMP, EU_GN])
    assert [0, 2, 3] in groups and [1] in groups


def test_lenders_story_rewritten_is_one_story() -> None:
    assert clu.cluster([ARAFURA_MC, ARAFURA_MW]) == [[0, 1]]


def test_headline_joins_todays_report_not_the_earlier_event() -> None:
    # The fault (Monday) and the restart (Wednesday) are two stories, and the aggregator's
    # "Iluka fixes kiln" headline belongs with the restart only.
    groups = clu.cluster([ILUKA_FAULT, ILUKA_RESTART, ILUKA_GN])
    assert groups == [[0], [1, 2]]


def test_aggregator_suffix_is_not_part_of_the_story() -> None:
    assert words.split_outlet(ILUKA_GN) == ("Iluka fixes Eneabba kiln, sticks to 2027 start",
                                          "The West Australian")
    assert "australian" not in clu.shingles(ILUKA_GN)
    assert words.is_headline_only(ILUKA_GN) and not words.is_headline_only(ILUKA_RESTART)
    # A dash in an ordinary title stays.
    idx = at("ree", "idx", "China's Rare Earth Price Index Climbs to 306.4 - Heavy Rare Earths "
             "Outpace the Field", "The index rose 1.2 points to 306.4.",
             "2026-11-24T05:40:00+00:00")
    assert words.split_outlet(idx) == (idx.title, None)
    assert fps.plain_title("Update: Iluka fixes kiln at Eneabba - Reuters") == \
        "Iluka fixes kiln at Eneabba"


def test_follow_up_needs_the_same_company_and_project() -> None:
    def rel(new: Item, old: Item) -> str:
        fa, fb = fps.fingerprint(new), fps.fingerprint(old)
        return fps.relation(fps.similarity(fa, fb), new.title, old.title,
                            fps.name_similarity(fa, fb), names_a=clu.proper_names(new))

    assert rel(ILUKA_RESTART, ILUKA_FAULT) == "update"
    offtake = at("ree", "offtake", "Arafura Secures Final Nolans Offtake With Korean Buyer",
                 "Arafura Rare Earths said on Friday it has signed a binding offtake agreement "
                 "with a South Korean magnet group for up to 1,000 tonnes a year of NdPr oxide "
                 "from the Nolans project in the Northern Territory, completing the offtake book "
                 "required by its lending group.", "2026-11-20T09:50:00+00:00")
    assert rel(ARAFURA_MC, offtake) == "update"
    # Same beat, same vocabulary, no shared subject: new stories, not updates.
    usar = at("ree", "usar", "USA Rare Earth Starts Commissioning Stillwater Magnet Line",
              "USA Rare Earth said on Monday it has begun commissioning the first production "
              "line at its sintered magnet plant in Stillwater, Oklahoma, a line designed for "
              "1,200 tonnes a year of NdFeB magnets.", "2026-11-24T00:35:00+00:00")
    mp = at("ree", "mp", "MP's 10X Bet: Texas as America's Magnet Capital?",
            "MP Materials broke ground on its second magnet plant in Texas, the 10X facility, "
            "which will make 7,000 tonnes a year of NdFeB magnets for carmakers.",
            "2026-11-21T13:20:00+00:00")
    assert rel(usar, mp) == "new"
    assert rel(EU_REE, ILUKA_FAULT) == "new"
    # One shared company is not the same thread.
    licence = at("scmp", "lic", "Malaysia extends Lynas operating licence, eases rule on residue",
                 "Malaysia has extended the operating licence of Lynas Rare Earths' Kuantan "
                 "plant by three years and eased a condition on residue storage.",
                 "2026-11-24T08:15:00+00:00")
    kalgoorlie = at("scmp", "kal", "Lynas says Kalgoorlie plant hits nameplate capacity",
                    "Lynas Rare Earths said its Kalgoorlie cracking and leaching plant, which "
                    "feeds its Kuantan refinery in Malaysia, reached nameplate capacity.",
                    "2026-11-21T02:30:00+00:00")
    assert rel(licence, kalgoorlie) == "new"
    assert fps.relation(0.25, "Cyclic Materials opens Arizona magnet recycling plant",
                        "HyProMag opens rare earth magnet recycling plant in Germany") == "new"
