"""``readinglist pick``: an fzf-style picker for citing from an editor (SPEC §9).

It draws on the terminal even when stdout is a pipe or ``$(...)``: like fzf, it
attaches ``/dev/tty`` to stdin/stderr (where Textual reads keys and draws) and keeps
stdout for the answer alone. With no terminal at all it picks the best match for
the query without asking, so scripts can use it too.

Keys typed while it starts (an editor macro types the query at once) are kept for
the picker: from the moment the command is known, the terminal stops echoing and
stops turning Enter into a newline, and the picker reads what was typed in order.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence

import orjson

from .cli.common import write_stdout
from .clipboard import copy_to_clipboard
from .core.config import Settings
from .core.errors import QueryError
from .core.keys import check_keys
from .core.library import Library
from .core.model import Paper, public_doc

EXIT_OK, EXIT_NONE = 0, 1
FORMATS = ("key", "cite", "pandoc", "bibtex", "json")


def format_choice(papers: Sequence[Paper], fmt: str, library: Library | None = None) -> str:
    """The text printed for the chosen papers, ending in a newline. The BibTeX
    format writes the macros and preambles of ``library`` that the papers use. A key
    that would break the editor's ``\\cite{}`` or ``[@key]`` raises InvalidKeyError."""
    check_keys(papers)
    keys = [p.key for p in papers]
    if fmt == "key":
        return ",".join(keys) + "\n"
    if fmt == "cite":
        return "\\cite{" + ",".join(keys) + "}\n"
    if fmt == "pandoc":
        return "[" + "; ".join(f"@{k}" for k in keys) + "]\n"
    if fmt == "bibtex":
        from .core.bibtex import export_bibtex

        return export_bibtex(papers, bibfiles=library.bibfiles if library else None)
    if fmt == "json":
        return "".join(orjson.dumps(public_doc(p)).decode() + "\n" for p in papers)
    raise ValueError(f"unknown pick format {fmt!r} (expected one of {', '.join(FORMATS)})")


@contextlib.contextmanager
def keys_held() -> Iterator[None]:
    """Until the picker takes the terminal, keep typed keys unechoed and as typed
    (no line editing, Enter stays a carriage return); restore the terminal after."""
    try:
        import termios
    except ImportError:  # no POSIX terminals here
        yield
        return
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    try:
        saved = termios.tcgetattr(tty)
    except termios.error:
        os.close(tty)
        yield
        return
    held = list(saved)
    held[0] &= ~termios.ICRNL  # iflag
    held[3] &= ~(termios.ICANON | termios.ECHO)  # lflag
    held[6] = list(saved[6])
    held[6][termios.VMIN], held[6][termios.VTIME] = 1, 0
    try:
        termios.tcsetattr(tty, termios.TCSANOW, held)  # TCSANOW: what was typed stays
        yield
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(tty, termios.TCSANOW, saved)
        os.close(tty)


@contextlib.contextmanager
def _terminal_on_stdin_and_stderr() -> Iterator[bool]:
    """Point fds 0 and 2 at the controlling terminal while the picker runs.

    Yields False when there is no terminal to talk to (cron, CI, a GUI editor
    without a terminal).
    """
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield False
        return
    saved: dict[int, int] = {}
    env = {name: os.environ.get(name) for name in ("COLUMNS", "LINES")}
    try:
        for fd in (0, 2):
            if not os.isatty(fd):
                saved[fd] = os.dup(fd)
                os.dup2(tty, fd)
        # Textual sizes the screen from stdout, which is redirected here.
        with contextlib.suppress(OSError):
            size = os.get_terminal_size(tty)
            os.environ["COLUMNS"], os.environ["LINES"] = str(size.columns), str(size.lines)
        yield True
    finally:
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
        os.close(tty)


def run_pick(
    library: Library,
    settings: Settings,
    query: str,
    *,
    multi: bool,
    fmt: str,
    clipboard: bool = False,
) -> int:
    """Let the user choose papers; print them to stdout in ``fmt``; 0 chosen, 1 not."""
    if not len(library):
        print("readinglist: the library is empty; import some papers first", file=sys.stderr)
        return EXIT_NONE
    with keys_held(), _terminal_on_stdin_and_stderr() as interactive:
        if interactive:
            from .tui.picker import PickerApp

            chosen = PickerApp(library, query, multi=multi, theme=settings.theme).run()
        else:
            try:
                hits = library.search(query, limit=1)
            except QueryError as exc:
                print(f"readinglist: {exc}", file=sys.stderr)
                return 2
            chosen = [hits[0].paper] if hits else None
    if not chosen:
        return EXIT_NONE
    text = format_choice(chosen, fmt, library)
    write_stdout(text.encode("utf-8"))
    library.mark_used(p.id for p in chosen)
    if clipboard:
        how = copy_to_clipboard(text.rstrip("\n"))
        print(
            f"copied to the clipboard via {how}" if how else "no clipboard found", file=sys.stderr
        )
    return EXIT_OK
