"""What every command module shares and nothing else needs to import: exit codes,
the completion variable, and where the library is."""

from __future__ import annotations

from pathlib import Path

EXIT_OK, EXIT_NO_MATCH, EXIT_BAD_INPUT = 0, 1, 2
EXIT_UNAVAILABLE = 3  # a metadata service could not be reached; nothing was written
COMPLETE_VAR = "_READINGLIST_COMPLETE"


def library_path(db: str | None) -> Path:
    """``--db`` beats ``READINGLIST_DB`` beats the user data dir."""
    from ..core.library import default_library_path

    return Path(db).expanduser() if db else default_library_path()
