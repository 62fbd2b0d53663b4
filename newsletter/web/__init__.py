"""Web front ends: the public endpoints of `serve` (:mod:`.public`) and the editors' preview
app (:mod:`.preview`). Both only call :class:`newsletter.core.Newsletter` methods."""
