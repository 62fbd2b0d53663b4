"""Which HTML/CSS features of the final email do Gmail, Outlook (Windows) or Apple Mail lack?

    python bench/caniemail_check.py [--features DIR] [--html FILE] [--all]

Renders ``tests/data/edition.json`` (or reads ``--html``), detects every feature it uses
(tags, attributes, CSS properties and values, selectors, at-rules, units) and looks each
one up in the caniemail data (``_features/*.md``: YAML front matter with ``stats`` per
client, platform and version). For each client family the newest version of every
platform counts; a feature is reported when one of them says ``n`` (no) or ``a``
(partial) or ``u`` (unknown) while the email uses it.

Every reported feature gets a verdict for this email: ``layout`` (lacking it would change
the layout or hide content: the target is none), ``cosmetic`` (looks slightly different:
square corners, no dark mode) or ``none`` (the email already works around it, e.g. the MSO
ghost table for ``max-width``). Exit status 1 when any ``layout`` finding remains.

The same check runs in ``tests/test_render_compat.py`` against a vendored subset of the
data (``tests/data/caniemail/``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FEATURES = Path("/work/shared/corpus/email/caniemail/_features")

#: client family -> platforms that count
CLIENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gmail": ("gmail", ("desktop-webmail", "ios", "android")),
    "outlook-windows": ("outlook", ("windows",)),
    "apple-mail": ("apple-mail", ("macos", "ios")),
}

TABLE_CELLS = {"td", "th"}


# --- caniemail data ---------------------------------------------------------------------

def _block(text: str, key: str) -> str | None:
    """The ``key: { ... }`` block of the front matter, braces balanced."""
    m = re.search(rf"^{re.escape(key)}:\s*\{{", text, re.M)
    if not m:
        return None
    depth, i = 0, m.end() - 1
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i:j + 1]
    return None


def _loads(block: str) -> dict:
    """Parse caniemail's relaxed JSON (bare keys, trailing commas, tabs)."""
    s = re.sub(r'(?m)^(\s*)([A-Za-z0-9_-]+)\s*:', r'\1"\2":', block)
    s = re.sub(r",(\s*[}\]])", r"\1", s)
    return json.loads(s)


@dataclass
class Feature:
    slug: str
    title: str
    stats: dict[str, dict[str, dict[str, str]]]
    notes: dict[str, str]

    def support(self, family: str) -> list[tuple[str, str, str]]:
        """``[(platform, version, value)]`` of the newest version of each platform."""
        client, platforms = CLIENTS[family]
        out = []
        for plat in platforms:
            versions = self.stats.get(client, {}).get(plat)
            if not versions:
                continue
            newest = max(versions, key=_version_key)
            out.append((plat, newest, versions[newest]))
        return out


def _version_key(v: str) -> tuple:
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.\-]", v))


def load_features(directory: Path) -> dict[str, Feature]:
    """Every ``*.md`` feature file of a caniemail ``_features`` folder, by slug."""
    out = {}
    for path in sorted(Path(directory).glob("*.md")):
        if path.name.startswith("_"):
            continue
        text = path.read_text(encoding="utf-8")
        stats = _block(text, "stats")
        if stats is None:
            continue
        title = re.search(r'^title:\s*"?(.*?)"?\s*$', text, re.M)
        notes = _block(text, "notes_by_num")
        out[path.stem] = Feature(path.stem, title.group(1) if title else path.stem,
                                 _loads(stats), _loads(notes) if notes else {})
    return out


# --- feature detection ------------------------------------------------------------------

@dataclass
class Usage:
    """Features used by a document, each with the elements it is used on."""

    used: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, slug: str, where: str) -> None:
        self.used[slug].add(where)


_TAGS = {"table": "html-table", "style": "html-style", "img": "html-img", "p": "html-p",
         "div": "html-div", "span": "html-span", "strong": "html-strong", "b": "html-strong",
         "ul": "html-lists", "ol": "html-lists", "hr": "html-hr", "pre": "html-pre",
         "code": "html-code", "blockquote": "html-blockquote", "small": "html-small",
         "abbr": "html-abbr", "address": "html-address", "del": "html-del",
         "svg": "html-svg", "video": "html-video", "audio": "html-audio", "form": "html-form",
         "picture": "html-picture", "wbr": "html-wbr", "link": "html-link",
         "base": "html-base", "body": "html-body"}
for _h in ("h1", "h2", "h3", "h4", "h5", "h6"):
    _TAGS[_h] = "html-h1-h6"
_ATTRS = {"lang": "html-lang", "dir": "html-dir", "role": "html-role",
          "aria-hidden": "html-aria-hidden", "aria-label": "html-aria-label",
          "aria-labelledby": "html-aria-labelledby", "aria-describedby": "html-aria-describedby",
          "align": "html-align", "cellpadding": "html-cellpadding",
          "cellspacing": "html-cellspacing", "valign": "html-valign", "width": "html-width",
          "height": "html-height", "background": "html-background", "target": "html-target",
          "srcset": "html-srcset", "loading": "html-loading-attribute", "hidden": "html-hidden"}
_PROP_ALIASES = {
    "background-color": "css-background-color", "background": "css-background",
    "padding": "css-padding", "margin": "css-margin", "border": "css-border",
    "border-radius": "css-border-radius", "border-collapse": "css-border-collapse",
    "border-spacing": "css-border-spacing", "font-size": "css-font-size",
    "font-weight": "css-font-weight", "font": "css-font", "line-height": "css-line-height",
    "letter-spacing": "css-letter-spacing", "text-transform": "css-text-transform",
    "text-align": "css-text-align", "text-decoration": "css-text-decoration",
    "vertical-align": "css-vertical-align", "white-space": "css-white-space",
    "width": "css-width", "height": "css-height", "max-width": "css-max-width",
    "max-height": "css-max-height", "min-width": "css-min-width", "opacity": "css-opacity",
    "overflow": "css-overflow", "color-scheme": "css-color-scheme", "outline": "css-outline",
    "word-spacing": "css-word-spacing", "table-layout": "css-table-layout",
    "box-shadow": "css-box-shadow", "float": "css-float", "position": "css-position",
    "visibility": "css-visibility", "word-break": "css-word-break", "direction": "css-direction",
}
_PREFIX_ALIASES = (("padding-", "css-padding"), ("margin-", "css-margin"),
                   ("border-", "css-border"), ("text-decoration-", "css-text-decoration"))


def _prop_slug(prop: str, value: str, features: dict[str, Feature]) -> list[str]:
    prop = prop.strip().lower()
    if prop.startswith(("-", "mso-")) or prop == "supported-color-schemes":
        return []        # vendor-specific: ignored by clients that do not know them
    slugs = []
    if prop in _PROP_ALIASES:
        slugs.append(_PROP_ALIASES[prop])
    elif f"css-{prop}" in features:
        slugs.append(f"css-{prop}")
    else:
        for pre, slug in _PREFIX_ALIASES:
            if prop.startswith(pre) and not (prop.startswith("border-") and "radius" in prop):
                slugs.append(slug)
                break
        if "radius" in prop:
            slugs.append("css-border-radius")
    v = value.lower()
    if prop == "display":
        slugs.append("css-display-none" if "none" in v else "css-display")
    if "!important" in v:
        slugs.append("css-important")
    for unit, slug in (("px", "css-unit-px"), ("%", "css-unit-percent"), ("em", "css-unit-em"),
                       ("rem", "css-unit-rem"), ("vw", "css-unit-vw"), ("vh", "css-unit-vh")):
        if re.search(rf"\d{re.escape(unit)}\b" if unit != "%" else r"\d%", v):
            slugs.append(slug)
    if "rgba(" in v:
        slugs.append("css-rgba")
    elif "rgb(" in v:
        slugs.append("css-rgb")
    if "calc(" in v:
        slugs.append("css-unit-calc")
    if "var(" in v:
        slugs.append("css-variables")
    return [s for s in slugs if s in features]


def _declarations(css: str) -> list[tuple[str, str]]:
    out = []
    for decl in css.split(";"):
        if ":" in decl:
            p, v = decl.split(":", 1)
            out.append((p.strip(), v.strip()))
    return out


def _selector_slugs(selector: str) -> list[str]:
    sel = selector.strip()
    slugs = []
    if "," in sel:
        slugs.append("css-selector-grouping")
    for part in sel.split(","):
        part = part.strip()
        if re.search(r"\.[A-Za-z_-]", part):
            slugs.append("css-selector-class")
        if re.search(r"(^|[\s>+~])[a-z][a-z0-9]*", part):
            slugs.append("css-selector-type")
        if "#" in part:
            slugs.append("css-selector-id")
        if "[" in part:
            slugs.append("css-selector-attribute")
        if part == "*" or re.search(r"(^|\s)\*", part):
            slugs.append("css-selector-universal")
        if " > " in part or ">" in part:
            slugs.append("css-selector-child")
        elif " + " in part:
            slugs.append("css-selector-adjacent-sibling")
        elif " ~ " in part:
            slugs.append("css-selector-general-sibling")
        elif re.search(r"\S\s+\S", part):
            slugs.append("css-selector-descendant")
        for pc in re.findall(r"::?([a-z-]+)", part):
            slugs.append(f"css-pseudo-class-{pc}")
            slugs.append(f"css-pseudo-element-{pc}")
    return slugs


def _stylesheet(css: str, usage: Usage, features: dict[str, Feature]) -> None:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for m in re.finditer(r"@media([^{]*)\{", css):
        usage.add("css-at-media", "<style>")
        q = m.group(1)
        if "prefers-color-scheme" in q:
            usage.add("css-at-media-prefers-color-scheme", "<style>")
        if "prefers-reduced-motion" in q:
            usage.add("css-at-media-prefers-reduced-motion", "<style>")
        if "orientation" in q:
            usage.add("css-at-media-orientation", "<style>")
    for at in ("font-face", "import", "keyframes", "supports"):
        if f"@{at}" in css:
            usage.add(f"css-at-{at}", "<style>")
    for sel, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css):
        sel = sel.strip()
        if not sel or sel.startswith("@"):
            continue
        for s in _selector_slugs(sel):
            if s in features:
                usage.add(s, "<style>")
        for prop, value in _declarations(body):
            for s in _prop_slug(prop, value, features):
                usage.add(s, "<style>")


class _Detector(HTMLParser):
    def __init__(self, usage: Usage, features: dict[str, Feature]) -> None:
        super().__init__(convert_charrefs=True)
        self.usage, self.features = usage, features
        self.in_style = False
        self.css: list[str] = []

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype"):
            self.usage.add("html-doctype", "doctype")

    def handle_comment(self, data: str) -> None:
        self.usage.add("html-comments", "comment")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        u = self.usage
        if tag in _TAGS:
            u.add(_TAGS[tag], tag)
        a = dict(attrs)
        if tag == "style":
            self.in_style = True
        if tag == "meta" and (a.get("name") or "").lower() in ("color-scheme",
                                                              "supported-color-schemes"):
            u.add("html-meta-color-scheme", "meta")
        if tag == "a" and (a.get("href") or "").startswith("mailto:"):
            u.add("html-mailto-links", "a")
        if tag == "a" and (a.get("href") or "").startswith("#"):
            u.add("html-anchor-links", "a")
        if tag == "img":
            src = (a.get("src") or "").lower()
            if src.startswith("data:"):
                u.add("image-base64", "img")
            for ext in ("png", "gif", "jpg", "webp", "svg", "avif"):
                if ext in src.split("?")[0].rsplit(".", 1)[-1] or f"image/{ext}" in src:
                    u.add(f"image-{ext}", "img")
        for name in a:
            if name in _ATTRS:
                u.add(_ATTRS[name], tag)
        style = a.get("style")
        if style:
            for prop, value in _declarations(style):
                for s in _prop_slug(prop, value, self.features):
                    u.add(s, tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.css.append(data)


def detect(html: str, features: dict[str, Feature], *, png_cid: bool = True) -> Usage:
    """Features used by ``html`` (only those the caniemail data knows)."""
    usage = Usage()
    d = _Detector(usage, features)
    d.feed(html)
    d.close()
    _stylesheet("\n".join(d.css), usage, features)
    if png_cid and re.search(r'src="cid:', html):
        usage.add("image-png", "img")      # the chart is a PNG attached by Content-ID
    usage.used = {k: v for k, v in usage.used.items() if k in features}
    return usage


# --- verdicts ---------------------------------------------------------------------------

def _on_cells_only(where: set[str]) -> bool:
    return where <= TABLE_CELLS | {"<style>", "table"}


#: Why a missing or partial feature does not hurt this email. A callable gets the set of
#: elements the feature is used on and returns (verdict, reason).
GRACEFUL: dict[str, object] = {
    "css-at-media": ("none", "fluid 600 px container works without it; the query only "
                             "tightens padding below 480 px"),
    "css-at-media-prefers-color-scheme": ("cosmetic", "no dark palette: the light design "
                                                      "is shown"),
    "css-color-scheme": ("cosmetic", "dark-mode hint only"),
    "html-meta-color-scheme": ("cosmetic", "dark-mode hint only"),
    "css-max-width": ("none", "Outlook gets a fixed 600 px MSO ghost table instead"),
    "css-border-radius": ("cosmetic", "square corners on the Update badge"),
    "css-opacity": ("none", "only on the hidden preheader spacer, also hidden by "
                            "display:none / mso-hide:all"),
    "css-overflow": ("none", "only on the hidden preheader, also hidden by max-height:0 and "
                             "mso-hide:all"),
    "css-max-height": ("none", "only on the hidden preheader (mso-hide:all for Outlook)"),
    "css-display-none": ("none", "only the preheader spacer, never an image or a table"),
    "css-display": ("none", "display:block on the chart image and inline-block on the badge "
                            "are refinements; defaults read the same"),
    "css-important": ("none", "used inside <style> blocks (media queries, resets), where it "
                              "is supported; inline styles carry none"),
    "css-selector-attribute": ("none", "client-specific resets only (Apple data detectors)"),
    "css-selector-id": ("none", "client-specific resets only (Samsung #MessageViewBody)"),
    "css-selector-universal": ("none", "text-size-adjust reset only"),
    "css-selector-adjacent-sibling": ("none", "Gmail image-download-button reset only"),
    "css-selector-descendant": ("none", "all layout rules are inlined; in <style> only resets"),
    "css-pseudo-class-root": ("none", "color-scheme hint only"),
    "css-border-spacing": ("none", "reset to 0, and every table has cellspacing=\"0\""),
    "css-cursor": ("none", "Apple data-detector reset only"),
    "css-outline": ("none", "outline:none on the image, a reset"),
    "css-text-align": ("none", "only left, right and center (the notes concern start/end/"
                               "match-parent)"),
    "html-body": ("none", "the background colour is repeated on <center> and the MSO "
                          "table, as Cerberus does"),
    "html-style": ("none", "the layout is inlined; <style> blocks hold only enhancements"),
    "css-selector-class": ("none", "class rules are inlined by premailer; classes in <style> "
                                   "only drive media queries and dark mode"),
    "css-selector-type": ("none", "resets only"),
    "css-selector-grouping": ("none", "resets and media queries only"),
    "css-text-decoration": ("none", "underline is also the link default"),
    "css-letter-spacing": ("cosmetic", "kicker and table headers slightly tighter"),
    "css-text-transform": ("cosmetic", "headers shown in their written case"),
    "css-white-space": ("cosmetic", "a price range may wrap at the dash"),
    "css-word-spacing": ("none", "reset only"),
    "html-aria-hidden": ("none", "accessibility hint on the hidden preheader"),
    "html-aria-label": ("none", "accessibility label only"),
    "html-role": ("none", "accessibility role only"),
    "html-lang": ("none", "accessibility hint only"),
    "html-dir": ("none", "ltr is the default"),
    "html-comments": ("none", "MSO conditional comments, meant for Outlook"),
    "css-line-height": ("cosmetic", "Outlook rounds line heights (mso-line-height-rule set)"),
    "css-font-weight": ("cosmetic", "600 renders as bold or normal"),
    "css-background-color": ("none", "hex colours only"),
    "css-height": ("none", "no fixed heights in the layout"),
    "css-unit-percent": ("none", "widths also given as HTML attributes"),
    "css-vertical-align": ("none", "valign attributes as well"),
    "html-h1-h6": ("none", "margins set inline"),
    "html-p": ("none", "margins set inline"),
    "html-div": ("none", "only the container (ghost table for Outlook) and preheader"),
    "html-img": ("none", "one image, with width and alt attributes"),
    "html-doctype": ("none", "HTML5 doctype; tables do not depend on the mode"),
    "html-width": ("none", "attribute mirrors the inline width"),
    "html-height": ("none", "attribute mirrors the inline height"),
    "html-align": ("none", "attribute mirrors inline centring"),
    "css-font-size": ("none", "pixel sizes"),
    "css-unit-px": ("none", "pixel units"),
}


def _verdict_padding(where: set[str]) -> tuple[str, str]:
    rest = where - TABLE_CELLS - {"<style>", "body"}    # body: padding reset to 0
    if not rest:
        return "none", "padding only on table cells (and reset to 0 on body)"
    if rest <= {"span"}:
        return "cosmetic", "padding on the Update badge (a span) is dropped by Outlook"
    return "layout", f"padding on {', '.join(sorted(rest))} (Outlook: table cells only)"


def _verdict_border(where: set[str]) -> tuple[str, str]:
    rest = where - TABLE_CELLS - {"<style>", "table", "img"}
    if not rest:
        return "none", "borders only on table cells"
    if rest <= {"span"}:
        return "cosmetic", "the badge outline may be missing"
    return "layout", f"borders on {', '.join(sorted(rest))} (unreliable on p/div in Outlook)"


def _verdict_margin(where: set[str]) -> tuple[str, str]:
    if "span" in where:
        return "cosmetic", "margin on the badge span is ignored by Outlook"
    return "none", "margins on block elements; auto centring mirrored by align/ghost table"


def _verdict_width(where: set[str]) -> tuple[str, str]:
    rest = where - TABLE_CELLS - {"<style>", "table", "img"}
    if rest <= {"div", "center"}:
        return "none", "div/center widths replaced by the MSO ghost tables in Outlook; " \
                       "img width is also an attribute"
    return "layout", f"width on {', '.join(sorted(rest))}"


GRACEFUL.update({"css-padding": _verdict_padding, "css-border": _verdict_border,
                 "css-margin": _verdict_margin, "css-width": _verdict_width})


@dataclass
class Finding:
    slug: str
    title: str
    family: str
    support: str
    notes: list[str]
    where: list[str]
    verdict: str
    reason: str


def check(html: str, features: dict[str, Feature]) -> list[Finding]:
    """Every (feature, client family) where the feature used by ``html`` is not fully
    supported, with a verdict."""
    usage = detect(html, features)
    out = []
    for slug in sorted(usage.used):
        f = features[slug]
        where = usage.used[slug]
        for family in CLIENTS:
            bad = [(p, v, s) for p, v, s in f.support(family) if not s.startswith("y")]
            if not bad:
                continue
            nums = sorted({n for _, _, s in bad for n in re.findall(r"#(\d+)", s)}, key=int)
            notes = [f.notes.get(n, "") for n in nums]
            support = ", ".join(f"{p} {v}: {s}" for p, v, s in bad)
            rule = GRACEFUL.get(slug)
            if callable(rule):
                verdict, reason = rule(where)
            elif rule:
                verdict, reason = rule  # type: ignore[misc]
            else:
                verdict, reason = "layout", "no known fallback: check by hand"
            out.append(Finding(slug, f.title, family, support, notes, sorted(where), verdict,
                               reason))
    return out


def render_sample() -> str:
    sys.path.insert(0, str(ROOT))
    from newsletter.config import Config
    from newsletter.render import render_edition

    edition = json.loads((ROOT / "tests" / "data" / "edition.json").read_text("utf-8"))
    return render_edition(edition, config=Config(root=ROOT), list_name="daily").html


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--features", type=Path, default=DEFAULT_FEATURES)
    ap.add_argument("--html", type=Path, help="check this file instead of the sample edition")
    ap.add_argument("--all", action="store_true", help="also list verdict 'none' findings")
    args = ap.parse_args()
    features = load_features(args.features)
    html = args.html.read_text("utf-8") if args.html else render_sample()
    usage = detect(html, features)
    findings = check(html, features)
    print(f"{len(features)} caniemail features loaded; the email uses {len(usage.used)}:")
    print("  " + " ".join(sorted(usage.used)))
    print()
    counts: dict[str, int] = defaultdict(int)
    for f in findings:
        counts[f.verdict] += 1
        if f.verdict == "none" and not args.all:
            continue
        print(f"[{f.verdict:8}] {f.slug} ({f.family}): {f.support}")
        print(f"           used on: {', '.join(f.where)}; {f.reason}")
        for n in f.notes:
            if n:
                print(f"           note: {n[:140]}")
    print()
    print(f"findings: layout {counts['layout']}, cosmetic {counts['cosmetic']}, "
          f"worked around {counts['none']}")
    return 1 if counts["layout"] else 0


if __name__ == "__main__":
    sys.exit(main())
