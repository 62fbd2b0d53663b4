"""CSS inlining: one premailer run per edition and list, never per subscriber.

Style blocks marked ``data-premailer="ignore"`` (client resets, the single-column media
query, dark mode) are left exactly as written; the main block is inlined into ``style``
attributes and dropped. premailer never touches the network here.
"""

from __future__ import annotations

import logging
import warnings

from premailer import Premailer

from ..exceptions import RenderError


def inline_css(html: str) -> str:
    """Inline the document's CSS and return the new HTML document (with its doctype).

    Raises:
        RenderError: premailer could not process the document.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = Premailer(
                html,
                base_url=None,
                allow_network=False,
                allow_loading_external_files=False,
                external_styles=None,
                keep_style_tags=False,
                strip_important=False,
                remove_classes=False,          # the media queries select by class
                exclude_pseudoclasses=True,
                include_star_selectors=False,
                disable_validation=True,
                disable_leftover_css=False,
                cssutils_logging_level=logging.CRITICAL,
                cache_css_parsing=False,
                method="html",
            ).transform()
    except Exception as exc:  # premailer/lxml/cssutils raise many types
        raise RenderError(f"inlining CSS failed: {exc}") from exc
    if not out.lstrip().lower().startswith("<!doctype"):
        out = "<!DOCTYPE html>\n" + out
    return str(out)
