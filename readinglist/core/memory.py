"""Keeping the cyclic garbage collector out of bulk work.

Loading or importing 100k papers makes millions of long-lived objects and nothing
cyclic; the collector would rescan them again and again for nothing (SPEC §13: 59-77%
of load time).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """The collector off for the block.

    With ``freeze``, what was made is moved out of the collector's reach before it is
    switched back on; otherwise the first collection after would scan it all once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
