"""The paper table as a virtual list: only the visible rows are ever rendered.

A ``DataTable`` builds every row up front (11 s for 100k papers, SPEC §6); this
widget keeps a reference to the current result sequence and renders a row when
Textual asks for that line, so 100k results cost the same as 50.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, overload

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.model import Paper

STATUS_LABELS = {"unread": "unread", "reading": "reading", "read": "read", "skipped": "skipped"}


class HitLike(Protocol):
    """What the list needs from a search hit (``readinglist.core.search.Hit``)."""

    @property
    def paper(self) -> Paper: ...

    @property
    def title_spans(self) -> tuple[tuple[int, int], ...]: ...


# Optional columns: (name, header, the narrowest list that shows it).
OPTIONAL_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("author", "Author", 70),
    ("year", "Year", 45),
    ("tags", "Tags", 80),
    ("rating", "Rating", 48),
    ("priority", "Pri", 48),
    ("status", "Status", 0),
    ("added", "Added", 80),
)


@dataclass(frozen=True, slots=True)
class Columns:
    """Cell widths of each column for one widget width (0 = column hidden)."""

    mark: int
    title: int
    author: int = 0
    year: int = 0
    tags: int = 0
    rating: int = 0
    priority: int = 0
    status: int = 0
    added: int = 0

    @classmethod
    def for_width(
        cls,
        width: int,
        needs: ColumnNeeds | None = None,
        shown: frozenset[str] | None = None,
    ) -> Columns:
        """The columns the user wants (``shown``) that fit: fixed columns disappear on
        narrow terminals, and columns the results leave empty (listings have no
        authors or years; few papers are rated) give way; the title takes the rest."""
        needs = needs or ColumnNeeds()
        wanted = shown if shown is not None else frozenset(n for n, _, _ in OPTIONAL_COLUMNS)
        fits = {name: name in wanted and width >= least for name, _, least in OPTIONAL_COLUMNS}
        tags = (22 if width >= 100 else 14) if fits["tags"] and needs.tags else 0
        widths = {
            "author": 18 if fits["author"] and needs.author else 0,
            "year": 4 if fits["year"] and needs.year else 0,
            "tags": min(tags, max(needs.tags, 4)) if tags else 0,
            "rating": 6 if fits["rating"] and needs.rating else 0,
            "priority": 3 if fits["priority"] and needs.priority else 0,
            "status": 7 if fits["status"] else 0,
            "added": 10 if fits["added"] else 0,
        }
        mark = 2
        fixed = mark + sum(w + 1 for w in widths.values() if w)
        return cls(mark, max(width - fixed, 8), **widths)


@dataclass(frozen=True, slots=True)
class ColumnNeeds:
    """Which optional columns the current results use (sampled from the first rows)."""

    author: bool = True
    year: bool = True
    tags: int = 22  # widest tag text seen
    rating: bool = True
    priority: bool = True

    SAMPLE: ClassVar[int] = 500

    @classmethod
    def of(cls, hits: Sequence[HitLike]) -> ColumnNeeds:
        papers = [hits[i].paper for i in range(min(len(hits), cls.SAMPLE))]
        return cls(
            author=any(p.authors for p in papers),
            year=any(p.year for p in papers),
            tags=max((len(" ".join(p.tags)) for p in papers), default=0),
            rating=any(p.rating for p in papers),
            priority=any(p.priority for p in papers),
        )


def hit_ids(hits: Sequence[HitLike]) -> list[str]:
    """The ids of the papers ``hits`` shows, in order: without reading every paper
    where the results know them (a library read lazily reads a paper when shown)."""
    known = getattr(hits, "ids", None)
    return known() if known is not None else [h.paper.id for h in hits]


class Marked(Sequence[Paper]):
    """The marked papers among hits: their ids at once, each paper when asked for."""

    def __init__(self, hits: Sequence[HitLike], at: list[int], ids: list[str]) -> None:
        self._hits, self._at, self.ids = hits, at, ids

    def __len__(self) -> int:
        return len(self._at)

    @overload
    def __getitem__(self, i: int) -> Paper: ...
    @overload
    def __getitem__(self, i: slice) -> list[Paper]: ...
    def __getitem__(self, i: int | slice) -> Paper | list[Paper]:
        if isinstance(i, slice):
            return [self._hits[j].paper for j in self._at[i]]
        return self._hits[self._at[i]].paper


def position(hits: Sequence[HitLike], paper_id: str) -> int | None:
    """Where the paper ``paper_id`` is among ``hits`` (None: not shown)."""
    try:
        return hit_ids(hits).index(paper_id)
    except ValueError:
        return None


def stars(rating: int | None) -> str:
    return "★" * rating if rating else ""


def fit(text: str, width: int) -> str:
    """``text`` cut or padded to exactly ``width`` cells, with an ellipsis when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class PaperList(ScrollView, can_focus=True):
    """Header line plus one line per hit; a cursor row and a set of marked paper ids."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "cursor_top", "First paper", show=False, id="list.top"),
        Binding("G,end", "cursor_bottom", "Last paper", show=False, id="list.bottom"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("enter", "open", "Details", id="list.open"),
        Binding("space", "toggle_mark", "Mark", id="list.mark"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--header",
        "paper-list--cursor",
        "paper-list--cursor-blurred",
        "paper-list--match",
        "paper-list--mark",
        "paper-list--dim",
        "paper-list--rating",
        "paper-list--status-unread",
        "paper-list--status-reading",
        "paper-list--status-read",
        "paper-list--status-skipped",
    }

    DEFAULT_CSS = """
    PaperList {
        background: $surface;
        overflow-x: hidden;
        & > .paper-list--header { text-style: bold; color: $text-accent; }
        & > .paper-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .paper-list--cursor-blurred { background: $block-cursor-blurred-background; }
        & > .paper-list--match { color: $text-warning; text-style: bold underline; }
        & > .paper-list--mark { color: $text-success; text-style: bold; }
        & > .paper-list--dim { color: $text-muted; }
        & > .paper-list--rating { color: $text-warning; }
        & > .paper-list--status-unread { color: $text-primary; }
        & > .paper-list--status-reading { color: $text-warning; }
        & > .paper-list--status-read { color: $text-success; }
        & > .paper-list--status-skipped { color: $text-muted; }
    }
    """

    class CursorMoved(Message):
        """The cursor is on another paper (or on none: ``hit`` is ``None``)."""

        def __init__(self, paper_list: PaperList, hit: HitLike | None) -> None:
            super().__init__()
            self.paper_list = paper_list
            self.hit = hit

        @property
        def control(self) -> PaperList:
            return self.paper_list

    class Opened(Message):
        """The user asked for the detail view of the paper under the cursor."""

        def __init__(self, paper_list: PaperList, paper: Paper) -> None:
            super().__init__()
            self.paper_list = paper_list
            self.paper = paper

        @property
        def control(self) -> PaperList:
            return self.paper_list

    class MarksChanged(Message):
        """The set of marked papers changed."""

        def __init__(self, paper_list: PaperList, count: int) -> None:
            super().__init__()
            self.paper_list = paper_list
            self.count = count

        @property
        def control(self) -> PaperList:
            return self.paper_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._hits: Sequence[HitLike] = ()
        self._needs = ColumnNeeds()
        self._cursor = 0
        self.marks: set[str] = set()
        self.empty_text = ""  # shown when there are no results
        self._columns_shown: frozenset[str] | None = None  # None: every column

    @property
    def columns_shown(self) -> frozenset[str]:
        """The optional columns the user wants (they show where they fit)."""
        if self._columns_shown is None:
            return frozenset(name for name, _, _ in OPTIONAL_COLUMNS)
        return self._columns_shown

    @columns_shown.setter
    def columns_shown(self, names: frozenset[str]) -> None:
        self._columns_shown = frozenset(names)
        self.refresh()

    # -- data ------------------------------------------------------------------
    @property
    def hits(self) -> Sequence[HitLike]:
        return self._hits

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def current(self) -> HitLike | None:
        """The hit under the cursor, if any."""
        if 0 <= self._cursor < len(self._hits):
            return self._hits[self._cursor]
        return None

    def set_hits(self, hits: Sequence[HitLike], keep_id: str | None = None) -> None:
        """Show new results; the cursor stays on ``keep_id`` when it is still shown."""
        self._hits = hits
        self._needs = ColumnNeeds.of(hits)
        row: int | None = 0
        if keep_id is not None:
            row = position(hits, keep_id)
        row = self._cursor if row is None else row
        self._cursor = max(0, min(row, len(hits) - 1))
        self.virtual_size = Size(self.size.width, len(hits) + 1)
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self, self.current))

    def marked_papers(self) -> Marked:
        """Marked papers among the shown ones (marks of hidden papers are kept, not
        acted on), each read when asked for: acting on 10,000 marks needs their ids."""
        if not self.marks:
            return Marked(self._hits, [], [])
        ids = hit_ids(self._hits)
        at = [i for i, pid in enumerate(ids) if pid in self.marks]
        return Marked(self._hits, at, [ids[i] for i in at])

    def set_marks(self, ids: Iterable[str]) -> None:
        self.marks = set(ids)
        self.refresh()
        self.post_message(self.MarksChanged(self, len(self.marks)))

    # -- cursor ----------------------------------------------------------------
    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def move_cursor(self, row: int) -> None:
        if not self._hits:
            return
        row = max(0, min(row, len(self._hits) - 1))
        if row == self._cursor:
            return
        old = self._cursor
        self._cursor = row
        self.refresh_line(old + 1)
        self.refresh_line(row + 1)
        self._scroll_to_cursor()
        self.post_message(self.CursorMoved(self, self.current))

    def _scroll_to_cursor(self) -> None:
        visible_rows = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self._cursor < top:
            top = self._cursor
        elif self._cursor >= top + visible_rows:
            top = self._cursor - visible_rows + 1
        if top != int(self.scroll_offset.y):
            self.scroll_to(y=top, animate=False, force=True, immediate=True)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_top(self) -> None:
        self.move_cursor(0)

    def action_cursor_bottom(self) -> None:
        self.move_cursor(len(self._hits) - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page)

    def action_open(self) -> None:
        if (hit := self.current) is not None:
            self.post_message(self.Opened(self, hit.paper))

    def action_toggle_mark(self) -> None:
        hit = self.current
        if hit is None:
            return
        self.marks.symmetric_difference_update({hit.paper.id})
        self.refresh_line(self._cursor + 1)
        self.post_message(self.MarksChanged(self, len(self.marks)))
        self.move_cursor(self._cursor + 1)

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and 0 <= row < len(self._hits):
            self.move_cursor(row)
            if event.chain >= 2:
                self.action_open()

    def on_focus(self) -> None:
        self.refresh_line(self._cursor + 1)

    def on_blur(self) -> None:
        self.refresh_line(self._cursor + 1)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._hits) + 1)
        self._scroll_to_cursor()

    # -- rendering -------------------------------------------------------------
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        columns = Columns.for_width(width, self._needs, self._columns_shown)
        if y == 0:
            return self._render_header(columns, width, base)
        row = int(self.scroll_offset.y) + y - 1
        if row >= len(self._hits):
            if y == 2 and not self._hits and self.empty_text:
                hint = base + self._style("paper-list--dim")
                return Strip([Segment(fit("  " + self.empty_text, width), hint)], width)
            return Strip.blank(width, base)
        return self._render_row(row, columns, width, base)

    def _render_header(self, columns: Columns, width: int, base: Style) -> Strip:
        style = base + self._style("paper-list--header")
        names = [("Title", columns.title)] + [
            (header, getattr(columns, name)) for name, header, _ in OPTIONAL_COLUMNS
        ]
        text = " " * columns.mark + " ".join(fit(name, w) for name, w in names if w)
        return Strip([Segment(fit(text, width), style)], width)

    def _render_row(self, row: int, columns: Columns, width: int, base: Style) -> Strip:
        hit = self._hits[row]
        paper = hit.paper
        if row == self._cursor:
            cursor = "paper-list--cursor" if self.has_focus else "paper-list--cursor-blurred"
            base = base + self._style(cursor)
        dim = base + self._style("paper-list--dim")
        segments: list[Segment] = []
        marked = paper.id in self.marks
        mark_style = base + self._style("paper-list--mark") if marked else base
        segments.append(Segment(fit("●" if marked else " ", columns.mark), mark_style))
        segments.extend(self._title_segments(paper.title, hit.title_spans, columns.title, base))
        if columns.author:
            segments.append(Segment(" " + fit(paper.first_author, columns.author), base))
        if columns.year:
            segments.append(Segment(" " + fit(str(paper.year or ""), columns.year), dim))
        if columns.tags:
            segments.append(Segment(" " + fit(" ".join(paper.tags), columns.tags), dim))
        if columns.rating:
            rating = base + self._style("paper-list--rating")
            segments.append(Segment(" " + fit(stars(paper.rating), columns.rating), rating))
        if columns.priority:
            priority = f"P{paper.priority}" if paper.priority else ""
            segments.append(Segment(" " + fit(priority, columns.priority), base))
        if columns.status:
            label = STATUS_LABELS.get(paper.status, paper.status)
            status_class = (
                f"paper-list--status-{label}" if label in STATUS_LABELS else "paper-list--dim"
            )
            status_style = base + self._style(status_class)
            segments.append(Segment(" " + fit(label, columns.status), status_style))
        if columns.added:
            segments.append(Segment(" " + fit(paper.added[:10], columns.added), dim))
        strip = Strip(segments)
        return strip.adjust_cell_length(width, base)

    def _title_segments(
        self, title: str, spans: tuple[tuple[int, int], ...], width: int, base: Style
    ) -> list[Segment]:
        shown = fit(title.replace("\n", " "), width)
        if not spans:
            return [Segment(shown, base)]
        limit = len(shown.rstrip(" …")) if cell_len(title) > width else len(title)
        match = base + self._style("paper-list--match")
        segments: list[Segment] = []
        pos = 0
        for start, end in sorted(spans):
            start, end = max(start, pos), min(end, limit)
            if start >= end:
                continue
            if start > pos:
                segments.append(Segment(shown[pos:start], base))
            segments.append(Segment(shown[start:end], match))
            pos = end
        segments.append(Segment(shown[pos:], base))
        return segments
