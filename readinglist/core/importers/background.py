"""A large input parsed in a child process while the caller works on the papers read
so far: an import of 150k papers then indexes them as they come, on the second core,
instead of after the parse.

The child runs the same parse as the caller would (same checks, same errors) and
hands over the papers of each piece as it is read; the caller gets the rest, and the
outcome, at the end. A refusal found at the end (a truncated file) still comes before
anything is written: the caller only writes once :meth:`BackgroundParse.outcome`
returned. Where processes cannot be forked, the parse runs in the caller, as before.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from ..errors import ImportFormatError, ReadinglistError
from ..model import Paper
from .base import Emit, ParseResult

Parse = Callable[[Emit], ParseResult]


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class BackgroundParse:
    """Papers of one input as they are parsed (:meth:`batches`), then the outcome."""

    def __init__(self, parse: Parse) -> None:
        self._outcome: ParseResult | None = None
        self._error: BaseException | None = None
        if not can_fork():  # (the parse runs when the batches are asked for)
            self._parse: Parse | None = parse
            self._child = None
            return
        self._parse = None
        context = multiprocessing.get_context("fork")
        self._conn, child_end = context.Pipe(duplex=False)
        self._child = context.Process(target=_run, args=(parse, child_end), daemon=True)
        self._child.start()
        child_end.close()

    def batches(self) -> Iterator[list[Paper]]:
        """The papers, a batch at a time, in the order of the input."""
        if self._child is None:
            assert self._parse is not None
            try:
                self._outcome = self._parse(lambda papers: None)
            except ReadinglistError as exc:
                self._error = exc
                return
            yield self._outcome.papers
            self._outcome = replace(self._outcome, papers=[])
            return
        try:
            while True:
                try:
                    kind, value = self._conn.recv()
                except EOFError:
                    self._error = ImportFormatError("the parser stopped before the end")
                    return
                if kind == "papers":
                    yield value
                elif kind == "done":
                    self._outcome = value
                    return
                else:
                    self._error = value
                    return
        finally:
            self._conn.close()
            self._child.join()

    def outcome(self) -> ParseResult:
        """What the parse gave besides the papers (failures, macros, ...), once every
        batch was taken; raises the parse's error (the input is refused)."""
        if self._error is not None:
            raise self._error
        assert self._outcome is not None, "take every batch first"
        return self._outcome


def _run(parse: Parse, conn: Any) -> None:
    """The child: parse, handing over each piece's papers as it is read."""
    sent = 0

    def emit(papers: list[Paper]) -> None:
        nonlocal sent
        conn.send(("papers", papers))
        sent += len(papers)

    try:
        try:
            result = parse(emit)
        except ReadinglistError as exc:
            conn.send(("error", exc))
        except MemoryError:
            conn.send(("error", ImportFormatError("out of memory while parsing")))
        except Exception as exc:  # garbage input must never end in a traceback
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            conn.send(("error", ImportFormatError(f"the input could not be read: {reason}")))
        else:
            if len(result.papers) > sent:
                conn.send(("papers", result.papers[sent:]))
            conn.send(("done", replace(result, papers=[])))
    except (BrokenPipeError, OSError):
        pass  # the caller is gone
    finally:
        conn.close()
        os._exit(0)  # (nothing of the caller's to flush or clean up here)
