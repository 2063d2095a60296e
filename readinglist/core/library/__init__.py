"""The library of papers: one file, its lock, its history and its saved search index.

:class:`Library` is the face of this package: opening a library (whole, or lazily from
its saved search index), reading and searching its papers, and every change to them.
:class:`Reader` answers a one-shot query from the saved index without opening the
library. The rest is the library's own (see each module):

* :mod:`.base` — the transaction every change runs in, reading and searching;
  :mod:`.edits` and :mod:`.imports` — the changes;
* :mod:`.fileformat` — the file's layout, schema and lock (nothing else knows them);
* :mod:`.tinystore` — TinyDB over that file, written atomically;
* :mod:`.papers` — papers as held, read whole or one line at a time, checked;
* :mod:`.store` — the papers, keys and ``.bib`` records in step with the file, and
  the transitions each write makes;
* :mod:`.history` — the undo history beside the file;
* :mod:`.gitmerge` — git's merge driver for the file, paper by paper;
* :mod:`.changelog` — the log of writes since the index was saved;
* :mod:`.savedindex` — saving and reading back the search index;
* :mod:`.catchup` and :mod:`.indexing` — the index's life: restored and caught up,
  built, told of every change, warmed up, saved.
"""

from __future__ import annotations

import os
from pathlib import Path

from .fileformat import SCHEMA_VERSION
from .gitmerge import MergeResult, merge_libraries
from .history import UndoReport
from .library import Library
from .reader import Reader

__all__ = [
    "SCHEMA_VERSION",
    "Library",
    "MergeResult",
    "Reader",
    "UndoReport",
    "default_library_path",
    "merge_libraries",
]


def default_library_path() -> Path:
    """``--db`` beats ``READINGLIST_DB`` beats the platform's user data dir."""
    env = os.environ.get("READINGLIST_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("readinglist", appauthor=False) / "library.json"
