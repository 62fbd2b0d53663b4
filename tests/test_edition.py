"""build_edition: the edition.json shape, clustering, previous editions, licences, edits."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest

from newsletter.config import EditorialSettings
from newsletter.summarize.edition import PreviousStory, build_edition, story_id
from newsletter.summarize.fingerprints import fingerprint
from newsletter.summarize.highlights import sentences
from newsletter.types import Item, Source

AS_OF = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
DAY = date(2026, 11, 24)

SOURCES = {
    "ree": Source("ree", "Rare Earth Exchanges", "page", "https://ree.example", 0.95),
    "mining": Source("mining", "Mining.com", "feed", "https://mining.example", 0.7),
    "weekly": Source("weekly", "Mining Weekly", "feed", "https://weekly.example", 0.6,
                     excerpt_cap=120),
    "wire": Source("wire", "Newswire", "feed", "https://wire.example", 0.4, excerpt_cap=0),
    "general": Source("general", "General News", "feed", "https://general.example", 0.2),
    "smm": Source("smm", "SMM", "page", "https://smm.example", 0.9, role="prices"),
}


def mk(source: str, slug: str, title: str, text: str, hours_ago: float = 3,
       highlights: tuple[str, ...] = ()) -> Item:
    return Item(source, f"https://{source}.example/{slug}", slug, title,
                AS_OF - timedelta(hours=hours_ago), text=text, highlights=highlights)


PENTAGON = [
    mk("mining", "mp-deal", "MP Materials signs $400 million deal with Pentagon",
       "MP Materials said on Thursday the U.S. Department of Defense will invest $400 million "
       "in preferred stock, becoming its largest shareholder, and set a price floor of "
       "$110/kg for NdPr products from its Mountain Pass mine in California. The company "
       "will build a second magnet factory."),
    mk("ree", "pentagon-mp", "Pentagon takes $400m stake in MP Materials, sets NdPr price floor",
       "The Pentagon will become the largest shareholder in MP Materials after agreeing to "
       "buy $400 million of preferred stock. The Defense Department also guaranteed a $110 "
       "per kilogram floor price for NdPr produced at Mountain Pass, and MP will build a "
       "second magnet plant.",
       highlights=("The Pentagon becomes MP Materials' largest shareholder with a $400 million "
                   "stake, underwriting US magnet supply",
                   "A $110/kg NdPr price floor shields MP from Chinese price swings")),
    mk("weekly", "dod-mp", "US Defense Department to become MP Materials largest shareholder",
       "The US Department of Defense is to become the largest shareholder of rare earths "
       "miner MP Materials through a $400 million investment, with a 10-year price floor of "
       "$110 per kg for NdPr from Mountain Pass, the company said."),
]
PRICES = mk("mining", "prices", "China rare earth prices climb as NdPr hits 560,000 yuan",
            "Rare earth prices in China rose this week, with Pr-Nd oxide at 560,000 yuan per "
            "tonne, according to SMM. Dysprosium oxide gained 2% while terbium was steady. "
            "Traders cited firm demand from magnet makers.")
CONTROLS = mk("wire", "controls", "China adds five heavy rare earths to export control list",
              "China's Ministry of Commerce added holmium, erbium, thulium, europium and "
              "ytterbium to its export control list on Thursday. Exporters will need licences "
              "for oxides and metals. The move follows April's controls on dysprosium.")
RECYCLE = mk("weekly", "recycle", "Researchers recycle neodymium magnets with new solvent",
             "Scientists at Ames Laboratory developed a solvent that dissolves neodymium "
             "magnets at room temperature, recovering more than 99% of the rare earths in "
             "scrap. The recycling process avoids strong acids.", hours_ago=20)
LYNAS = mk("ree", "lynas", "Lynas lifts quarterly revenue as NdPr prices rise",
           "Lynas Rare Earths reported quarterly revenue of A$200 million, up 40%. NdPr "
           "production at Mount Weld and Kuantan reached 2,000 tonnes. Heavy rare earth "
           "output in Malaysia began in May.", hours_ago=10)
NOISE = [mk("general", f"n{i}", f"Local council approves budget {i}",
            f"The council approved a budget of {i} million for roads. Residents welcomed it.")
         for i in range(20)]
PRICE_ROW = mk("smm", "p1", "Pr-Nd oxide 560,000 yuan/t rare earth prices",
               "Pr-Nd oxide 560,000 yuan/t. Dysprosium oxide 1,650 yuan/kg. Neodymium up.")


def build(items: list[Item], *, previous: list[PreviousStory] | None = None,
          edits: dict | None = None, settings: EditorialSettings | None = None,
          prices: list[dict] | None = None) -> dict:
    return build_edition(items, sources=SOURCES, previous=previous or [],
                         prices=prices or [], index_chart=None, date=DAY, as_of=AS_OF,
                         title="REE Daily", settings=settings or EditorialSettings(),
                         edits=edits).to_json()


ALL = [*NOISE[:10], *PENTAGON, PRICES, CONTROLS, PRICE_ROW, RECYCLE, *NOISE[10:], LYNAS]


def stories(ed: dict) -> list[dict]:
    return [s for sec in ed["sections"] for s in sec["stories"]]


def by_title(ed: dict, start: str) -> dict:
    return next(s for s in stories(ed) if s["title"].startswith(start))


def test_shape_matches_internals_doc() -> None:
    ed = build(ALL, prices=[{"commodity": "prnd_oxide", "low": 1, "high": 1}])
    assert set(ed) == {"date", "title", "as_of", "generated_at", "editor_note", "highlights",
                       "prices", "fx", "index_chart", "sections", "stats"}
    assert ed["date"] == "2026-11-24" and ed["as_of"] == AS_OF.isoformat()
    assert ed["editor_note"] is None and ed["index_chart"] is None
    for h in ed["highlights"]:
        assert set(h) == {"text", "story_id", "url", "source"}
    for sec in ed["sections"]:
        assert set(sec) == {"id", "title", "stories"} and sec["stories"]
        for s in sec["stories"]:
            assert set(s) == {"id", "title", "url", "source", "published", "summary",
                              "highlights", "topic", "relevance", "is_update", "pinned",
                              "also_reported_by"}
            assert s["topic"] == sec["id"]
    assert ed["stats"] == {"items_considered": len(ALL) - 1, "stories": 5,
                           "sources": len({i.source for i in ALL}) - 1}


def test_sections_titles_and_topics() -> None:
    ed = build(ALL)
    titles = {sec["id"]: sec["title"] for sec in ed["sections"]}
    assert titles == {"markets": "Markets and prices", "policy": "Policy and trade",
                      "companies": "Companies and projects",
                      "technology": "Technology and recycling"}
    assert [sec["id"] for sec in ed["sections"]] == ["markets", "policy", "companies",
                                                     "technology"]
    assert by_title(ed, "China adds five")["topic"] == "policy"
    assert by_title(ed, "Researchers recycle")["topic"] == "technology"
    only_recycling = build([RECYCLE, *NOISE])
    assert [sec["id"] for sec in only_recycling["sections"]] == ["technology"]


def test_irrelevant_and_price_source_items_never_become_stories() -> None:
    ed = build(ALL)
    urls = {s["url"] for s in stories(ed)}
    assert PRICE_ROW.url not in urls
    assert not any(n.url in urls for n in NOISE)


def test_rewrites_become_one_story_with_best_source_as_main_link() -> None:
    ed = build(ALL)
    s = by_title(ed, "Pentagon takes")
    assert s["url"] == PENTAGON[1].url and s["source"] == "Rare Earth Exchanges"
    assert {a["url"] for a in s["also_reported_by"]} == {PENTAGON[0].url, PENTAGON[2].url}
    assert s["also_reported_by"][0]["source"] == "Mining.com"  # higher weight first
    assert s["highlights"] == list(PENTAGON[1].highlights)


def test_story_ids_are_stable_sha1_of_main_url() -> None:
    a, b = build(ALL), build(list(reversed(ALL)))
    ids_a = sorted(s["id"] for s in stories(a))
    assert ids_a == sorted(s["id"] for s in stories(b))
    s = by_title(a, "Pentagon takes")
    assert s["id"] == hashlib.sha1(PENTAGON[1].url.encode()).hexdigest()[:12]
    assert s["id"] == story_id(PENTAGON[1].url)


def test_summaries_are_whole_sentences_and_licence_caps_hold() -> None:
    ed = build(ALL)
    for s in stories(ed):
        for sent in sentences(s["summary"]):
            assert sent.endswith((".", "!", "?"))
    assert by_title(ed, "China adds five")["summary"] == ""  # excerpt_cap 0
    assert by_title(ed, "China adds five")["highlights"] == []
    recycle = by_title(ed, "Researchers recycle")  # excerpt_cap 120
    assert 0 < len(recycle["summary"]) <= 120
    # The lead sentence is longer than the cap: another whole sentence is quoted instead.
    assert recycle["summary"] == "The recycling process avoids strong acids."
    for h in ed["highlights"]:
        assert h["text"].endswith((".", "!", "?"))
    capped = next(h for h in ed["highlights"] if h["url"] == CONTROLS.url)
    assert capped["text"] == CONTROLS.title + "."  # title only: no quoted text


def test_highlights_one_per_story_prefer_source_bullets() -> None:
    ed = build(ALL)
    ids = [h["story_id"] for h in ed["highlights"]]
    assert len(ids) == len(set(ids)) == 5
    pentagon = next(h for h in ed["highlights"] if h["url"] == PENTAGON[1].url)
    assert pentagon["text"] == PENTAGON[1].highlights[0] + "."
    assert pentagon["source"] == "Rare Earth Exchanges"
    three = build(ALL, settings=EditorialSettings(max_highlights=3))
    assert len(three["highlights"]) == 3


def test_story_cap_and_ranking() -> None:
    ed = build(ALL, settings=EditorialSettings(max_story_count=2))
    assert ed["stats"]["stories"] == 2
    kept = {s["url"] for s in stories(ed)}
    assert RECYCLE.url not in kept  # older, lower-weighted source


def test_previous_edition_story_is_dropped() -> None:
    prev = [PreviousStory(fingerprint(PENTAGON[0]), PENTAGON[0].url, PENTAGON[0].title,
                          date(2026, 11, 23))]
    ed = build(ALL, previous=prev)
    assert not any(s["title"].startswith("Pentagon takes") for s in stories(ed))
    # Recognised by similarity even when the earlier edition linked another outlet.
    other = [PreviousStory(fingerprint(PENTAGON[2]), "https://elsewhere.example/x",
                           "US Defense Department to become MP Materials largest shareholder",
                           date(2026, 11, 23))]
    assert not any(s["url"] == PENTAGON[1].url for s in stories(build(ALL, previous=other)))
    # Another outlet's rewrite of yesterday's story, alone today: a repeat, not an update.
    alone = build([PENTAGON[0], *NOISE], previous=[PreviousStory(
        fingerprint(PENTAGON[1]), PENTAGON[1].url, PENTAGON[1].title, date(2026, 11, 23))])
    assert stories(alone) == []


def test_genuine_follow_up_is_marked_update() -> None:
    follow = mk("ree", "mp-close", "MP Materials closes Pentagon deal, starts magnet plant work",
                "MP Materials completed the sale of $400 million of preferred stock to the "
                "Department of Defense on Monday. Construction of its second magnet plant, "
                "the 10X facility, has begun in Texas, the company said. Heavy rare earth "
                "separation at Mountain Pass will start in 2026.", hours_ago=2)
    prev = [PreviousStory(fingerprint(PENTAGON[1]), PENTAGON[1].url,
                          "MP Materials signs $400 million deal with Pentagon",
                          date(2026, 11, 20))]
    ed = build([follow, *NOISE], previous=prev)
    s = stories(ed)[0]
    assert s["is_update"] is True
    assert s["title"] == "Update: " + follow.title
    # Not an update if the earlier edition is not earlier than the item.
    same_day = [PreviousStory(prev[0].fingerprint, prev[0].url, prev[0].title, DAY)]
    assert stories(build([follow], previous=same_day))[0]["is_update"] is False


def test_edits_are_applied() -> None:
    base = build(ALL)
    lynas = by_title(base, "Lynas lifts")["id"]
    pentagon = by_title(base, "Pentagon takes")["id"]
    prices = by_title(base, "China rare earth prices")["id"]
    recycle = by_title(base, "Researchers recycle")["id"]
    ed = build(ALL, prices=[{"commodity": "prnd_oxide"}, {"commodity": "dy_oxide"}], edits={
        "pinned": [lynas], "dropped": [prices], "order": [],
        "summaries": {recycle: "Editor's own summary."},
        "highlights": {"2": "Third highlight rewritten.", pentagon: "Pentagon bets on MP."},
        "note": "Markets close early on Friday.", "hidden_prices": ["dy_oxide"]})
    companies = next(sec for sec in ed["sections"] if sec["id"] == "companies")
    assert companies["stories"][0]["id"] == lynas and companies["stories"][0]["pinned"]
    assert ed["highlights"][0]["story_id"] == lynas
    assert ed["highlights"][2]["text"] == "Third highlight rewritten."
    assert any(h["text"] == "Pentagon bets on MP." for h in ed["highlights"])
    assert prices not in {s["id"] for s in stories(ed)}
    assert prices not in {h["story_id"] for h in ed["highlights"]}
    assert by_title(ed, "Researchers recycle")["summary"] == "Editor's own summary."
    assert ed["editor_note"] == "Markets close early on Friday."
    assert [p["commodity"] for p in ed["prices"]] == ["prnd_oxide"]


def test_order_edit_and_pin_beyond_cap() -> None:
    base = build(ALL)
    pentagon = by_title(base, "Pentagon takes")["id"]
    controls = by_title(base, "China adds five")["id"]
    policy = next(sec for sec in base["sections"] if sec["id"] == "policy")
    assert [s["id"] for s in policy["stories"]] == [pentagon, controls]
    ed = build(ALL, edits={"order": [controls, pentagon]})
    policy = next(sec for sec in ed["sections"] if sec["id"] == "policy")
    assert [s["id"] for s in policy["stories"]] == [controls, pentagon]
    recycle = by_title(base, "Researchers recycle")["id"]
    capped = build(ALL, settings=EditorialSettings(max_story_count=1),
                   edits={"pinned": [recycle]})
    assert [s["id"] for s in stories(capped)] == [recycle]


def test_edit_keyed_by_another_cluster_member_still_applies() -> None:
    alias = story_id(PENTAGON[0].url)  # not the main link
    ed = build(ALL, edits={"dropped": [alias]})
    assert not any(s["url"] == PENTAGON[1].url for s in stories(ed))


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_inputs(n: int) -> None:
    ed = build(NOISE[:n])
    assert ed["sections"] == [] and ed["highlights"] == []
    assert ed["stats"]["stories"] == 0


def test_previous_story_known_only_by_url_or_with_string_date() -> None:
    by_url = [PreviousStory("", LYNAS.url, LYNAS.title, date(2026, 11, 23))]
    assert not any(s["url"] == LYNAS.url for s in stories(build(ALL, previous=by_url)))
    as_text = [PreviousStory(fingerprint(PENTAGON[1]), "https://x.example/old",
                             "Older headline", "2026-11-23")]  # type: ignore[arg-type]
    assert not any(s["url"] == PENTAGON[1].url
                   for s in stories(build(ALL, previous=as_text)))


def test_editor_highlight_for_a_story_outside_the_list_joins_it() -> None:
    base = build(ALL, settings=EditorialSettings(max_highlights=3))
    listed = {h["story_id"] for h in base["highlights"]}
    outside = next(s["id"] for s in stories(base) if s["id"] not in listed)
    ed = build(ALL, settings=EditorialSettings(max_highlights=4),
               edits={"highlights": {outside: "Editor's pick."}})
    assert {"story_id": outside, "text": "Editor's pick."}.items() <= next(
        h for h in ed["highlights"] if h["story_id"] == outside).items()


# --- cases from the recorded snapshots (Nov 23-25), written inline -------------------------

SNAP_SOURCES = {
    "ree": Source("ree", "Rare Earth Exchanges", "page", "https://ree.example", 1.0),
    "mc": Source("mc", "Mining.com", "feed", "https://mc.example", 0.9, excerpt_cap=400),
    "mw": Source("mw", "Mining Weekly", "feed", "https://mw.example", 0.6, excerpt_cap=400),
    "scmp": Source("scmp", "South China Morning Post", "feed", "https://scmp.example", 0.7,
                   excerpt_cap=400),
    "gn": Source("gn", "Google News", "feed", "https://news.google.com/rss", 0.9,
                 excerpt_cap=0),
}
DAY3 = date(2026, 11, 25)
AS_OF3 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def snap(source: str, slug: str, title: str, text: str, hours_ago: float,
         highlights: tuple[str, ...] = ()) -> Item:
    host = "news.google.com/rss/articles" if source == "gn" else f"{source}.example"
    return Item(source, f"https://{host}/{slug}", slug, title,
                AS_OF3 - timedelta(hours=hours_ago), text=text, highlights=highlights)


S_ILUKA_FAULT = snap("ree", "iluka-fault", "Iluka Flags Kiln Fault at Eneabba Rare Earth Refinery",
                     "Iluka Resources told the ASX on Monday morning that a section of "
                     "refractory lining in the concentrate cracking kiln at its Eneabba refinery "
                     "failed during hot commissioning last week. The company has not changed "
                     "its 2027 first-production target for the A$1.8 billion refinery.", 55)
S_ILUKA_RESTART = snap("ree", "iluka-restart", "Iluka Restarts Eneabba Kiln, Holds 2027 Timeline",
                       "Iluka Resources said on Wednesday that repairs to the refractory lining "
                       "of the cracking kiln at its Eneabba rare earth refinery were complete "
                       "and that hot commissioning had resumed, two days after the company "
                       "disclosed the failure. It expects no change to its 2027 target.", 3)
S_ILUKA_GN = snap("gn", "iluka", "Iluka fixes Eneabba kiln, sticks to 2027 start - The West "
                  "Australian", "Iluka fixes Eneabba kiln, sticks to 2027 start The West "
                  "Australian", 1.7)
S_EU_REE = snap("ree", "eu", "EU and China Agree 'General Licence' Pilot for Rare Earth Magnet "
                "Exports", "The European Commission and China's Ministry of Commerce agreed on "
                "Tuesday to pilot \"general licences\" for exports of rare earth permanent "
                "magnets to pre-verified European end users, according to a joint statement "
                "issued after trade talks in Brussels. The six-month pilot covers automotive "
                "and wind-turbine makers.", 4.7,
                highlights=("Brussels and Beijing agreed a six-month pilot of general export "
                            "licences for NdFeB magnets shipped to verified European users",))
S_EU_SCMP = snap("scmp", "eu", "China and EU agree pilot to speed up rare earth magnet exports",
                 "China and the European Union have agreed to pilot a \"general licence\" "
                 "system for exports of rare earth magnets to European carmakers and "
                 "wind-turbine makers, easing a bottleneck that has disrupted European "
                 "factories for more than a year.", 3.2)
S_EU_GN = snap("gn", "eu", "EU and China strike rare earth licence deal for carmakers - POLITICO "
               "Europe", "EU and China strike rare earth licence deal for carmakers POLITICO "
               "Europe", 5.5)
S_ENERGY_FUELS = snap("ree", "ef", "Energy Fuels Produces First Commercial Dysprosium Oxide at "
                      "White Mesa", "Energy Fuels said on Tuesday that its White Mesa Mill in "
                      "Utah has produced its first commercial batch of dysprosium oxide at "
                      "99.9% purity, from monazite feed. The company plans terbium oxide "
                      "production in the first quarter of 2027.", 1.8)
S_BROWNS = snap("mw", "browns", "Northern Minerals' Browns Range gets US backing",
                "Heavy rare earths developer Northern Minerals has received a letter of "
                "interest from the US International Development Finance Corporation for up to "
                "$200-million in debt funding for its Browns Range project, in Western "
                "Australia, which is rich in dysprosium and terbium.", 5.7)
S_TARIFF = snap("mc", "tariff", "US slaps 25% tariff on Chinese rare earth magnets",
                "The tariff rises to 50% in 2028. Washington imposed a 25% tariff on Chinese "
                "NdFeB magnets under Section 232 on Monday, the Commerce Department said.", 2)

#: The day-1 edition (Nov 23) as the store keeps it.
S_PREVIOUS = [
    PreviousStory(fingerprint(S_ILUKA_FAULT), S_ILUKA_FAULT.url, S_ILUKA_FAULT.title,
                  date(2026, 11, 23)),
    PreviousStory(fingerprint(snap("ree", "ucore", "Ucore Starts Production at Louisiana "
                                   "Strategic Metals Complex", "Ucore Rare Metals started "
                                   "production of separated rare earth oxides at its Louisiana "
                                   "Strategic Metals Complex, the first commercial output of "
                                   "its RapidSX technology.", 40)),
                  "https://ree.example/ucore",
                  "Ucore Starts Production at Louisiana Strategic Metals Complex",
                  date(2026, 11, 24)),
    PreviousStory(fingerprint(snap("mc", "arafura", "Arafura's lenders commit to Nolans",
                                   "Rare earths developer Arafura has received credit-approved "
                                   "term sheets for $1.1-billion in debt funding for the Nolans "
                                   "project, in the Northern Territory.", 26)),
                  "https://mc.example/arafura", "Update: Arafura's lenders commit to Nolans",
                  date(2026, 11, 24)),
    PreviousStory(fingerprint(snap("ree", "china-tech", "China Tightens Technology Export Rules "
                                   "for Rare Earth Separation", "China's Ministry of Commerce "
                                   "added solvent-extraction cascade design and magnet-grade "
                                   "alloy know-how to its catalogue of technologies prohibited "
                                   "or restricted from export.", 57)),
                  "https://ree.example/china-tech",
                  "China Tightens Technology Export Rules for Rare Earth Separation",
                  date(2026, 11, 23)),
]


def snapshot_edition() -> dict:
    items = [S_ILUKA_FAULT, S_ILUKA_RESTART, S_ILUKA_GN, S_EU_GN, S_EU_REE, S_EU_SCMP,
             S_ENERGY_FUELS, S_BROWNS, S_TARIFF]
    return build_edition(items, sources=SNAP_SOURCES, previous=S_PREVIOUS, prices=[],
                         index_chart=None, date=DAY3, as_of=AS_OF3, title="REE Daily",
                         settings=EditorialSettings()).to_json()


def test_one_event_is_one_story_with_the_full_article_as_main_link() -> None:
    ed = snapshot_edition()
    eu = [s for s in stories(ed) if "EU" in s["title"]]
    assert len(eu) == 1
    assert eu[0]["url"] == S_EU_REE.url and eu[0]["source"] == "Rare Earth Exchanges"
    also = {a["url"]: a for a in eu[0]["also_reported_by"]}
    assert set(also) == {S_EU_SCMP.url, S_EU_GN.url}
    assert also[S_EU_GN.url]["source"] == "POLITICO Europe via Google News"
    assert also[S_EU_GN.url]["title"] == "EU and China strike rare earth licence deal for carmakers"
    iluka = [s for s in stories(ed) if "Iluka" in s["title"]]
    assert len(iluka) == 1 and iluka[0]["url"] == S_ILUKA_RESTART.url
    assert [a["source"] for a in iluka[0]["also_reported_by"]] == [
        "The West Australian via Google News"]


def test_updates_only_for_genuine_follow_ups() -> None:
    ed = snapshot_edition()
    updates = {s["url"] for s in stories(ed) if s["is_update"]}
    assert updates == {S_ILUKA_RESTART.url}  # the kiln fault of Nov 23, restarted
    assert by_title(ed, "Update: Iluka Restarts")["title"] == \
        "Update: Iluka Restarts Eneabba Kiln, Holds 2027 Timeline"
    for s in stories(ed):
        if s["url"] != S_ILUKA_RESTART.url:
            assert not s["title"].startswith("Update"), s["title"]
    # The earlier fault story itself is not repeated.
    assert S_ILUKA_FAULT.url not in {s["url"] for s in stories(ed)}


def test_headline_only_story_names_its_outlet_without_the_suffix() -> None:
    alone = build_edition([S_EU_GN], sources=SNAP_SOURCES, previous=[], prices=[],
                          index_chart=None, date=DAY3, as_of=AS_OF3, title="REE Daily",
                          settings=EditorialSettings()).to_json()
    (s,) = stories(alone)
    assert s["title"] == "EU and China strike rare earth licence deal for carmakers"
    assert s["source"] == "POLITICO Europe via Google News"
    assert alone["highlights"][0]["text"] == s["title"] + "."
    assert alone["highlights"][0]["source"] == "POLITICO Europe via Google News"


def test_highlights_one_per_event_and_name_their_subject() -> None:
    ed = snapshot_edition()
    texts = [h["text"] for h in ed["highlights"]]
    assert sum("Iluka" in t or "Eneabba" in t for t in texts) <= 1
    assert sum("licence" in t.lower() for t in texts) <= 1
    assert "The tariff rises to 50% in 2028." not in texts  # says nothing without its headline
    # Two stories the clustering kept apart but that are one event: one highlight.
    twin = snap("mw", "eu-twin", "EU, China agree general licence pilot for rare earth magnets",
                "Brussels and Beijing agreed a general licence pilot for rare earth magnet "
                "exports to European carmakers, officials said. NdFeB magnets and dysprosium "
                "supplies from China have been held up by export licensing.", 50)
    ed2 = build_edition([S_EU_REE, twin], sources=SNAP_SOURCES, previous=[], prices=[],
                        index_chart=None, date=DAY3, as_of=AS_OF3, title="REE Daily",
                        settings=EditorialSettings()).to_json()
    assert len(stories(ed2)) == 2 and len(ed2["highlights"]) == 1
