"""The library: papers in one file, safe for several processes and threads at once
(the transaction, reading and searching: :mod:`.base`; the changes: :mod:`.edits`
and :mod:`.imports`)."""

from __future__ import annotations

from .edits import Edits
from .imports import Imports


class Library(Imports, Edits):
    """All papers of one library file, in sync with the file, and their search index:
    open it (:meth:`open`), read and search it, change it. Every change is a delta
    applied under the library's locks to the papers as they are on disk, written
    once, then recorded, logged and indexed from the same transitions."""
