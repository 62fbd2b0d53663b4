"""The explainable relevance model: evidence, case rules, damping, reasons, topics."""

from __future__ import annotations

import random

import pytest

from newsletter.summarize.relevance import score
from newsletter.types import Item


def item(title: str, text: str = "", summary: str = "", source: str = "s") -> Item:
    return Item(source, f"https://example.org/{abs(hash(title))}", title, title,
                text=text, summary=summary)


COMPANIES = ["Acme", "Borealis", "Kestrel", "Northwind", "Orion", "Vantage", "Halcyon",
             "Trident", "Summit", "Lumen", "Pioneer", "Atlas"]
TOPICS = [
    ("{c} shares jump after profit beats forecasts",
     "{c} reported quarterly profit of ${n} million. Revenue rose {x}%. The chief executive "
     "said demand for its software was strong."),
    ("Copper output at {c} mine rises",
     "{c} said copper production rose {x}% in the quarter at its mine in Chile. Gold by-product "
     "output also increased. Governments see copper as one of the critical minerals."),
    ("Lithium prices slide as {c} delays expansion",
     "Lithium carbonate prices fell again and {c} delayed its lithium expansion. Analysts see "
     "lithium, cobalt, nickel and rare earths facing weak battery demand this year."),
    ("Central bank holds rates",
     "The central bank held rates at {x}% and said inflation was easing. Markets rallied. "
     "{c} Bank economists expect cuts next year."),
    ("{c} opens new data centre",
     "{c} opened a data centre in Virginia with {n} megawatts of capacity. It will serve AI "
     "customers. Power comes from a nearby gas plant."),
    ("Storm disrupts shipping in the Baltic",
     "Heavy storms halted ferries and cargo ships in the Baltic Sea for a second day. Ports "
     "in Sweden and Finland closed. {c} Logistics warned of delays."),
    ("{c} wins $({n} million defence contract",
     "{c} won a ${n} million contract to supply radar systems to the army. Deliveries begin "
     "next year. The Pentagon said the contract supports jobs in Ohio."),
    ("Gold hits record as dollar weakens",
     "Gold rose to a record of ${n} an ounce. Silver followed. {c} Capital analysts expect "
     "further gains."),
]


def general_feed(n: int = 99, seed: int = 3) -> list[Item]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title, text = rng.choice(TOPICS)
        fill = {"c": rng.choice(COMPANIES), "n": rng.randint(5, 900), "x": rng.randint(1, 20)}
        out.append(Item("general", f"https://news.example/{i}", str(i),
                        title.format(**fill), text=text.format(**fill)))
    return out


def test_a_general_feed_with_one_ree_story_yields_that_one() -> None:
    feed = general_feed()
    ree = item("Lynas starts heavy rare earth separation in Malaysia",
               "Lynas Rare Earths produced its first dysprosium oxide at its Kuantan plant. "
               "The company plans to add terbium next year. It is the first heavy rare earth "
               "separation outside China.")
    feed.insert(42, ree)
    relevant = [it for it in feed if score(it, 0.5).relevant]
    assert relevant == [ree]


def test_passing_critical_minerals_mention_stays_below_threshold() -> None:
    r = score(item("Canada speeds up mine permitting",
                   "Canada will cut approval times for new mines. Miners welcomed the plan. "
                   "The government says it will help critical minerals projects."), 0.9)
    assert not r.relevant
    assert r.score < 0.3


@pytest.mark.parametrize("title,text", [
    ("Lithium prices slide to four-year low",
     "Lithium carbonate fell to 72,000 yuan per tonne. Lithium miners cut output. Analysts "
     "said lithium, nickel and rare earths all face weak demand."),
    ("Copper hits record above $11,000",
     "Copper rose on supply disruptions in Chile. Copper demand from grids is strong. "
     "Gold and silver also rose."),
    ("Gold miners rally", "Gold mining shares rose as gold hit a record. Silver miners also "
     "gained. Rare earth stocks were mixed."),
])
def test_other_commodity_stories_stay_below_threshold(title: str, text: str) -> None:
    r = score(item(title, text), 0.7)
    assert not r.relevant, r.reasons


def test_title_counts_more_than_body() -> None:
    in_title = score(item("Neodymium demand grows", "Demand grows, analysts say."))
    in_body = score(item("Demand grows", "Neodymium demand grows, analysts say."))
    assert in_title.score > in_body.score


def test_repeats_have_diminishing_returns() -> None:
    once = score(item("Market note", "Neodymium was quoted higher."))
    many = score(item("Market note", " ".join(["Neodymium was quoted higher."] * 10)))
    assert many.score > once.score
    assert many.score < 1.0
    assert "x10" in " ".join(many.reasons)


def test_symbols_only_in_formulas_or_price_contexts() -> None:
    assert score(item("ND Energy signs solar deal in North Dakota",
                      "Nd said the Pr team and La Paz office will help.")).score == 0
    r = score(item("Market prices", "Nd2O3 rose while Dy oxide and Tb metal held."))
    assert "Nd2O3" in " ".join(r.reasons) and r.score > 0.3
    assert score(item("Terbium update", "terbium.")).score > 0


def test_lookalikes_do_not_count() -> None:
    for title, text in [
        ("Rare Earth-like planets may be common", "Astronomers found rare Earth-like worlds."),
        ("Arafura Sea patrol", "Border force boats patrolled the Arafura Sea."),
        ("Lynas Asset Management launches fund", "Lynas Asset Management launched a fund."),
        ("Holmium Capital backs startup", "Holmium Capital led the round."),
        ("Magnet school expands", "The magnet school will add places."),
        ("Jane Doe sues DOE", "A DOE spokesman said the grant was legal."),
    ]:
        r = score(item(title, text), 0.5)
        assert not r.relevant, (title, r.reasons)


def test_policy_words_need_ree_context() -> None:
    chips = score(item("US tightens export controls on AI chips",
                       "The Commerce Department tightened export controls and tariffs on chips."))
    assert chips.score == 0
    ree = score(item("China tightens export controls on rare earths",
                     "MOFCOM said export licences are required for dysprosium."))
    assert ree.relevant and ree.topic == "policy"
    assert any("export controls" in r for r in ree.reasons)


def test_reasons_are_human_readable() -> None:
    r = score(item("Lynas lifts output", "Lynas said neodymium output rose. Neodymium "
                                         "prices also rose. Neodymium demand is strong."), 0.9)
    assert "title and body mention 'Lynas' x2 (producer)" in r.reasons
    assert "body mentions 'neodymium' x3 (element)" in r.reasons
    assert "source weight 0.9" in r.reasons


def test_source_weight_bends_but_never_creates_evidence() -> None:
    text = "Prices of neodymium were steady this week, traders in the region said."
    low = score(item("Weekly wrap", text), 0.1)
    high = score(item("Weekly wrap", text), 1.0)
    assert high.score > low.score
    assert score(item("Football results", "The home side won 2-1."), 1.0).score == 0


def test_threshold_is_respected() -> None:
    it = item("Neodymium update", "Neodymium rose.")
    s = score(it).score
    assert score(it, threshold=s).relevant
    assert not score(it, threshold=min(1.0, s + 0.01)).relevant


@pytest.mark.parametrize("title,text,topic", [
    ("NdPr oxide prices climb to 560,000 yuan/t",
     "Pr-Nd oxide prices rose this week as magnet makers restocked. Demand was firm.",
     "markets"),
    ("China adds holmium and erbium to export control list",
     "The Ministry of Commerce said exporters will need licences for rare earth oxides.",
     "policy"),
    ("Arafura takes final investment decision on Nolans",
     "Arafura Rare Earths approved construction of the Nolans project. Financing is in place "
     "and offtake agreements cover most output.", "companies"),
    ("Researchers recycle neodymium magnets with a new solvent",
     "Scientists developed a recycling method that recovers rare earths from magnet scrap "
     "without strong acids.", "technology"),
])
def test_topics(title: str, text: str, topic: str) -> None:
    r = score(item(title, text))
    assert r.relevant
    assert r.topic == topic, r


def test_summary_and_text_are_both_read() -> None:
    r = score(Item("s", "u", "g", "Weekly wrap", summary="Dysprosium and terbium rose.",
                   text="Traders were busy."))
    assert r.score > 0


def test_an_export_licence_pilot_is_policy_not_technology() -> None:
    r = score(item("EU and China Agree 'General Licence' Pilot for Rare Earth Magnet Exports",
                   "The European Commission and China's Ministry of Commerce agreed to pilot "
                   "general licences for exports of rare earth permanent magnets. Under the "
                   "six-month pilot, exporters can ship NdFeB magnets without applying for a "
                   "separate licence for each contract, officials said after trade talks."),
              0.9)
    assert r.relevant and r.topic == "policy", r
