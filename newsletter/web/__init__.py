"""Web front ends: the public endpoints of `serve` (:mod:`.public`) and the editors' preview
app (:mod:`.preview`). Both drive the program through :class:`newsletter.core.Newsletter`
(and :mod:`newsletter._send` for notices), read and write the store directly (subscribers,
deliveries) and call into the stages where a request needs them, through each package's
interface: deliver's tokens and message factory, summarize's edits normaliser, render,
bounces' ingest. The layer contract in pyproject.toml lets them import anything below them,
never the reverse.

For ``serve`` (:mod:`newsletter.service`) this package also exports the Host guard of the
HTTP server: :class:`AllowedHosts`, :func:`allowed_hosts`, :func:`guarded_h11`, imported
on first use (they pull in uvicorn's protocol classes).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for checkers; at run time __getattr__ imports them
    from ._guard import AllowedHosts, allowed_hosts, guarded_h11

__all__ = ["AllowedHosts", "allowed_hosts", "guarded_h11"]

_LAZY = {"AllowedHosts": "._guard", "allowed_hosts": "._guard", "guarded_h11": "._guard"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
