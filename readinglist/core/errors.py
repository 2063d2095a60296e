"""Errors that reach the user as one readable line."""


class ReadinglistError(Exception):
    """Base class: the message is shown to the user as is."""


class LibraryError(ReadinglistError):
    """The library file cannot be read, written or locked."""


class ImportFormatError(ReadinglistError):
    """An input file as a whole cannot be imported (binary, empty, unknown format)."""


class QueryError(ReadinglistError):
    """A search query has bad syntax."""
