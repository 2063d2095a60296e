"""Pilot tests: every triage query form typed into the TUI's search box (SPEC §5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from readinglist.core.changes import Change
from readinglist.core.library import Library
from readinglist.tui.app import ReadingListApp

from .conftest import settle, shown_keys

pytestmark = pytest.mark.tui

HINTON, VASWANI, TOUVRON, SUN, ELA = (
    "hinton2015distilling",
    "vaswani2017attention",
    "touvron2021training",
    "sun2019patient",
    "efficientlocalattention",
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('source:"Mar 11"', [ELA]),  # a listing date
        ("source:refs.bib", [HINTON]),  # a file name
        ("added:>=2024-01-04", [ELA, SUN]),
        ("added:2024-01-02", [VASWANI]),
        ("rating:>=4", [VASWANI, SUN]),
        ("rating:none", [ELA, TOUVRON, HINTON]),
        ("priority:1", [TOUVRON]),
        ("sort:year kd", [HINTON, SUN, TOUVRON]),
        ("sort:-year kd", [TOUVRON, SUN, HINTON]),
        ("sort:title tag:nlp", [VASWANI, SUN]),  # "Attention …" before "Patient …"
        ("sort:-rating", [SUN, VASWANI, ELA, TOUVRON, HINTON]),  # unrated last, newest first
        ("distillation -patient", [TOUVRON, HINTON]),
    ],
)
async def test_a_query_form_typed_in_the_search_box(
    make_app: Callable[..., ReadingListApp], library: Library, query: str, expected: list[str]
) -> None:
    library.edit([library.by_key(VASWANI).id], Change(fields={"rating": 4}))  # type: ignore[union-attr]
    library.edit([library.by_key(SUN).id], Change(fields={"rating": 5}))  # type: ignore[union-attr]
    library.edit([library.by_key(TOUVRON).id], Change(fields={"priority": 1}))  # type: ignore[union-attr]
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *query)
        await settle(pilot)
        shown = shown_keys(pilot)
        if query.startswith(("sort:", "distillation")):
            assert shown == expected
        else:
            assert sorted(shown) == sorted(expected)
