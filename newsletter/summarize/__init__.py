"""Summarize: collected items and price observations to an edition (pure functions, no
I/O). The public modules are the package's interface (``edition``, ``weekly``, ``alerts``,
``prices``, ``price_table``, ``cluster``, ``fingerprints``, ``relevance``, ``highlights``,
``fx``, ``words``, ``daily``); the names the front ends need from the private ones are
re-exported here: :data:`COMMODITY_NAMES` and :func:`display_name` (what a commodity id
is called in print), :func:`normalise_edits` (the one normaliser of an editor's edits).
Nothing outside this package imports a ``_module`` of it (tests/test_architecture.py
checks it).
"""

from ._commodities import COMMODITY_NAMES, display_name
from ._edits import normalise_edits

__all__ = ["COMMODITY_NAMES", "display_name", "normalise_edits"]
