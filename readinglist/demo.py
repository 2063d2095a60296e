"""A ready-made library to try readinglist on: two real Daily Papers listings.

``readinglist --demo`` opens it; it lives in the user data dir next to the real
library and is built on first use, so trying the app never touches the user's data.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

from .core.changes import Change
from .core.importers import parse_text
from .core.library import Library, default_library_path
from .core.model import Paper

LISTINGS = ("daily-papers-blank-lines.txt", "daily-papers-compact.txt")

# Topic tags given by title words, so the sidebar has something to show.
TOPICS = {
    "attention": "attention",
    "distill": "kd",
    "language model": "llm",
    "llm": "llm",
    "diffusion": "diffusion",
    "reinforcement": "rl",
    "graph": "graphs",
    "vision": "vision",
    "image": "vision",
    "speech": "speech",
}


def demo_library_path() -> Path:
    return default_library_path().with_name("demo-library.json")


def _topics(paper: Paper) -> tuple[str, ...]:
    title = paper.title.lower()
    return tuple(dict.fromkeys(tag for word, tag in TOPICS.items() if word in title))


def build_demo(path: Path) -> Library:
    """Import the bundled listings, tag by topic and set a few statuses."""
    library = Library.open(path)
    data = resources.files("readinglist") / "data"
    for name in LISTINGS:
        result = parse_text((data / name).read_text(encoding="utf-8"), "dailypapers", name)
        tagged = [replace(p, tags=p.tags + _topics(p)) for p in result.papers]
        library.import_papers(tagged, tags=["to-triage"])
    ids = [p.id for p in library.papers]
    library.edit(ids[:6], Change(remove_tags=("to-triage",), fields={"status": "read"}))
    library.edit(ids[6:9], Change(fields={"status": "reading"}))
    library.history.path.unlink(missing_ok=True)  # building the demo is nothing to undo
    return library


def open_demo() -> Library:
    path = demo_library_path()
    if not path.exists():
        build_demo(path)
    return Library.open(path)
