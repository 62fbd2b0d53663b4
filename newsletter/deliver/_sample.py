"""The sample reader's copy of an edition: the files ``newsletter build`` writes and the
preview shows are the parts of the real MIME message, not a second rendering."""

from __future__ import annotations

import re
from typing import Any

from ..config import Config
from ._message import MessageFactory, Recipient, message_parts

SAMPLE_READER = "reader@example.com"


def sample_parts(config: Config, rendered: Any, list_name: str,
                 recipient: Recipient | None = None) -> dict[str, str]:
    """The HTML and text parts of the real MIME message for a sample reader.

    The chart's ``cid:`` reference is pointed at ``chart.png`` beside the file, so
    ``var/issues/DATE/email.html`` opens in a browser as the reader sees it.
    """
    factory = MessageFactory(rendered, config=config, list_name=list_name,
                             secret=config.secret())
    who = recipient or Recipient(id=0, email=SAMPLE_READER, name="", list_name=list_name)
    _msg, html, text = message_parts(factory.build(who))
    html = re.sub(r'src="cid:[^"]+"', 'src="chart.png"', html or "")
    return {"html": html, "text": text or ""}
