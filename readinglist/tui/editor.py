"""Handing the terminal to the user's editor while the app waits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from textual.app import App


@contextlib.contextmanager
def suspended(app: App[Any]) -> Iterator[None]:
    """Suspend ``app`` (its screen is restored afterwards) while the block runs an
    editor in the terminal. A headless app (tests) has no terminal to give away."""
    if app.is_headless:
        yield
        return
    with app.suspend():
        yield
