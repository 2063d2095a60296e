"""A library kept in git: branches merge with plain ``git merge``, and the merge driver
merges one paper changed on both branches (SPEC §3)."""

from __future__ import annotations

import bisect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.library import Library
from readinglist.core.model import Paper

from .conftest import require_tool, run_process

pytestmark = pytest.mark.process

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Reader",
    "GIT_AUTHOR_EMAIL": "reader@example.org",
    "GIT_COMMITTER_NAME": "Reader",
    "GIT_COMMITTER_EMAIL": "reader@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "",  # set per test: no user config
}


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "HOME": str(repo.parent)}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=check
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    require_tool("git", "apt-get install git")
    repo = tmp_path / "refs"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    lib = Library.open(repo / "library.json")
    lib.import_papers([Paper(f"Base paper number {i}", year=2000 + i % 20) for i in range(2000)])
    git(repo, "add", "library.json")
    git(repo, "commit", "-qm", "base")
    return repo


def _on_branch(repo: Path, branch: str, *titles: str) -> list[str]:
    git(repo, "checkout", "-q", "-b", branch, "main")
    result = run_process("--db", repo / "library.json", "import", "-", stdin=_listing(titles))
    assert result.code == 0, result.err
    return [p.id for p in Library.open(repo / "library.json") if p.title in titles]


def _listing(titles: tuple[str, ...]) -> bytes:
    entries = [
        f"@misc{{{t.split()[0].lower()}{i}, title = {{{t}}}}}\n" for i, t in enumerate(titles)
    ]
    return "".join(entries).encode()


def _away_from(lib: Library, ids: list[str]) -> list[str]:
    """Papers whose lines are not next to any of ``ids`` (adjacent lines conflict in
    any line merge; different papers elsewhere must not)."""
    order = sorted(p.id for p in lib)
    near = {
        order[i + d] for i in map(order.index, ids) for d in (-1, 0, 1) if 0 <= i + d < len(order)
    }
    return [i for i in order if i not in near]


def test_branches_that_add_and_tag_papers_merge_with_plain_git(repo: Path) -> None:
    db = repo / "library.json"
    base = sorted(p.id for p in Library.open(db))
    ours = _on_branch(repo, "ours", "Sparse mixture of experts revisited", "Graph priors")
    git(repo, "commit", "-qam", "ours: 2 papers")
    git(repo, "checkout", "-q", "main")
    theirs = _on_branch(repo, "theirs", "Diffusion for tables", "Tiny recursive models")
    git(repo, "commit", "-qam", "theirs: 2 papers")
    # Each branch tags a different old paper (not on a line next to a new one).
    candidates = _away_from(Library.open(db), theirs)
    git(repo, "checkout", "-q", "ours")
    mine = [i for i in _away_from(Library.open(db), ours) if i in candidates]
    Library.open(db).edit([mine[0]], Change(add_tags=("ours",)))
    git(repo, "commit", "-qam", "ours: tag")
    git(repo, "checkout", "-q", "theirs")
    Library.open(db).edit([mine[-1]], Change(add_tags=("theirs",)))
    git(repo, "commit", "-qam", "theirs: tag")
    git(repo, "checkout", "-q", "ours")
    merge = git(repo, "merge", "-q", "-m", "merge", "theirs", check=False)
    # Random ids put new papers at unrelated places, so no line merge can conflict —
    # unless one paper of each branch falls between the same two old ones (about 1
    # in 500 here): that is the merge driver's case, and it must then resolve it.
    gaps = [{bisect.bisect(base, i) for i in ids} for ids in (ours, theirs)]
    if gaps[0] & gaps[1]:
        assert merge.returncode != 0
        git(repo, "merge", "--abort")
        _with_driver(repo)
        merge = git(repo, "merge", "-q", "-m", "merge", "theirs", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    lib = Library.open(db)
    assert len(lib) == 2004
    assert set(ours + theirs) <= {p.id for p in lib}
    assert lib.get(mine[0]).tags == ("ours",)  # type: ignore[union-attr]
    assert lib.get(mine[-1]).tags == ("theirs",)  # type: ignore[union-attr]


def _with_driver(repo: Path) -> None:
    driver = f"{sys.executable} -m readinglist merge-driver %O %A %B"
    git(repo, "config", "merge.readinglist.driver", driver)
    (repo / ".gitattributes").write_text("library.json merge=readinglist\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-qm", "use the readinglist merge driver")


def test_merge_driver_merges_one_paper_changed_on_both_branches(repo: Path) -> None:
    _with_driver(repo)
    db = repo / "library.json"
    target = Library.open(db).papers[1000]
    git(repo, "checkout", "-q", "-b", "ours", "main")
    Library.open(db).edit(
        [target.id], Change(add_tags=("kd", "both"), fields={"status": "read", "rating": 4})
    )
    git(repo, "commit", "-qam", "ours")
    git(repo, "checkout", "-q", "-b", "theirs", "main")
    Library.open(db).edit(
        [target.id], Change(add_tags=("vision", "both"), fields={"notes": "see §3"})
    )
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "ours")
    merge = git(repo, "merge", "-q", "-m", "merge", "theirs", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    paper = Library.open(db).get(target.id)
    assert paper is not None
    assert paper.tags == ("kd", "both", "vision")
    assert (paper.status, paper.rating, paper.notes) == ("read", 4, "see §3")


def test_merge_driver_reports_a_field_changed_two_ways(repo: Path) -> None:
    _with_driver(repo)
    db = repo / "library.json"
    target = Library.open(db).papers[7]
    for branch, title, tag in (("ours", "Our title", "a"), ("theirs", "Their title", "b")):
        git(repo, "checkout", "-q", "-b", branch, "main")
        Library.open(db).edit([target.id], Change(add_tags=(tag,), fields={"title": title}))
        git(repo, "commit", "-qam", branch)
    git(repo, "checkout", "-q", "ours")
    merge = git(repo, "merge", "-m", "merge", "theirs", check=False)
    assert merge.returncode != 0
    assert f"merge conflict: {target.key}: title changed both ways" in merge.stderr
    paper = Library.open(db).get(target.id)  # the file is left loadable: ours kept
    assert paper is not None and paper.title == "Our title" and paper.tags == ("a", "b")


def test_merge_driver_keeps_papers_added_and_deleted_on_either_side(tmp_path: Path) -> None:
    """The driver on its own, as git calls it: BASE OURS THEIRS, result in OURS."""
    base, ours, theirs = (tmp_path / n for n in ("base.json", "ours.json", "theirs.json"))
    lib = Library.open(base)
    a, b, c = lib.import_papers([Paper("Alpha"), Paper("Beta"), Paper("Gamma")]).added
    for path in (ours, theirs):
        path.write_bytes(base.read_bytes())
    Library.open(ours).delete([a.id])
    Library.open(theirs).delete([b.id])
    Library.open(theirs).add(Paper("Delta"))
    Library.open(theirs).edit([c.id], Change(fields={"year": 2024}))
    result = run_process("merge-driver", base, ours, theirs)
    assert result.code == 0, result.err
    merged = Library.open(ours)
    assert sorted(p.title for p in merged) == ["Delta", "Gamma"]
    assert merged.get(c.id).year == 2024  # type: ignore[union-attr]


def test_merge_driver_reports_one_key_added_on_both_branches(repo: Path) -> None:
    _with_driver(repo)
    db = repo / "library.json"
    for branch, title in (("ours", "Our take on attention"), ("theirs", "Their attention")):
        git(repo, "checkout", "-q", "-b", branch, "main")
        Library.open(db).add(Paper(title, key="smith2024attention"))
        git(repo, "commit", "-qam", branch)
    git(repo, "checkout", "-q", "ours")
    merge = git(repo, "merge", "-m", "merge", "theirs", check=False)
    assert merge.returncode != 0
    assert "key 'smith2024attention' is used by two papers" in merge.stderr
