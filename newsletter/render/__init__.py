"""Render: an edition (``edition.json``) to the email's HTML and text parts, and to the
public web page of the edition.

One Jinja render and one premailer inline per edition and list; per-subscriber values are
placeholder tokens that ``newsletter.deliver.MessageFactory`` fills in on bytes. A price
alert renders with :func:`render_alert`; :func:`environment` is the Jinja environment
(packaged templates under a project's overrides) for the web pages and ``doctor``. Nothing
outside this package imports a ``_module`` of it (tests/test_architecture.py checks it).
"""

from ..types import RenderedEdition
from ._alert import render_alert
from ._chart import chart_alt, render_chart_png
from ._render import environment, render_edition, render_web_edition
from ._weekly import render_web_weekly, render_weekly, weekly_view_url

__all__ = ["RenderedEdition", "chart_alt", "environment", "render_alert", "render_chart_png",
           "render_edition", "render_web_edition", "render_web_weekly", "render_weekly",
           "weekly_view_url"]
