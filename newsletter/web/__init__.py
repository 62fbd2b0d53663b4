"""Web front ends: the public endpoints of `serve` (:mod:`.public`) and the editors' preview
app (:mod:`.preview`). Both drive the program through :class:`newsletter.core.Newsletter`
(and :mod:`newsletter._send` for notices), read and write the store directly (subscribers,
deliveries) and call into the stages where a request needs them: deliver's tokens and
message factory, summarize's edits normaliser, render, bounces' ingest. The layer contract
in pyproject.toml lets them import anything below them, never the reverse."""
