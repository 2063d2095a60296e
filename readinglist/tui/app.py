"""The Textual application and the one factory that builds it (CLI and tests alike)."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import BindingType
from textual.widgets import Input

from ..core.config import Settings
from ..core.library import Library
from .bindings import APP_BINDINGS, unknown_keymap_ids
from .commands import PaperCommands
from .edits import PapersChanged
from .screens.base import PaperScreen
from .screens.help import HelpScreen
from .screens.main import MainScreen


class ReadingListApp(App[None]):
    """Owns the library and the settings; the screens act on the library from workers."""

    CSS_PATH = "app.tcss"
    TITLE = "readinglist"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {PaperCommands}
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)

    def __init__(
        self,
        library: Library,
        settings: Settings,
        *,
        warnings: Sequence[str] = (),
        url_opener: Callable[[str], object] = webbrowser.open,
    ) -> None:
        super().__init__()
        self.library = library
        self.settings = settings
        self.url_opener = url_opener
        # Until the library is on screen, typing is held for the search box (see on_event).
        self.library_shown = False
        self._held: list[str] = []
        self._warnings = list(warnings)
        unknown = unknown_keymap_ids(settings.keymap)
        if unknown:
            self._warnings.append(f"config: unknown key binding id(s) {', '.join(unknown)}")
        self.set_keymap(dict(settings.keymap))
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        else:
            self._warnings.append(f"config: unknown theme {settings.theme!r}; using the default")

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.library, self.settings))
        for warning in self._warnings:
            self.notify(warning, title="Config", severity="warning", timeout=10, markup=False)

    async def on_event(self, event: events.Event) -> None:
        """Keys that arrive before the library is on screen (typed while a large one
        loads) never run as commands: ``a`` ``d`` ``y`` would mark all, delete and
        confirm. Printable ones are held for the search box, the rest dropped; quit
        still quits."""
        if (
            not self.library_shown
            and isinstance(event, events.Key | events.Paste)
            and not event.is_forwarded
        ):
            if isinstance(event, events.Paste):
                self._held.append(event.text)
                return
            if event.key not in _ALWAYS_ACTIVE:
                if event.is_printable and event.character:
                    self._held.append(event.character)
                return
        if (
            isinstance(event, events.Key)
            and event.is_forwarded
            and event.is_printable
            and event.character
            and isinstance(self.focused, Input)
        ):
            # A character that went to another widget before the focus moved to this
            # text field ("/spec" or "tllm" arriving in one read): typed, not a command.
            # (The field itself never lets a printable key through to here.)
            self.focused.insert_text_at_cursor(event.character)
            event.stop()
            return
        await super().on_event(event)

    def on_main_screen_library_shown(self, message: MainScreen.LibraryShown) -> None:
        """The first results are on screen: what was typed so far becomes the query."""
        self.library_shown = True
        text = "".join(self._held).removeprefix("/")  # "/" asked for the search box
        self._held.clear()
        text = " ".join(text.split())
        if text:
            box = message.screen.search_box
            box.value = text
            box.cursor_position = len(text)
            box.focus()

    def on_papers_changed(self, _event: PapersChanged) -> None:
        """A worker changed the library (or another process did): every view re-reads."""
        for screen in self.screen_stack:
            if isinstance(screen, PaperScreen):
                screen.papers_changed()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.settings.keymap))


_ALWAYS_ACTIVE = frozenset({"ctrl+q", "ctrl+c"})


def create_app(
    library: Library,
    settings: Settings,
    *,
    warnings: Sequence[str] = (),
    url_opener: Callable[[str], object] = webbrowser.open,
) -> ReadingListApp:
    """The factory the CLI and the tests share: no globals, everything passed in."""
    return ReadingListApp(library, settings, warnings=warnings, url_opener=url_opener)
