"""Settings from config.toml: good values used, bad ones named by line, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.config import DEFAULT_EXPORT_PATH, Settings, load_settings
from readinglist.core.keys import DEFAULT_PATTERN

pytestmark = pytest.mark.unit


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_defaults_silently(tmp_path: Path) -> None:
    settings, warnings = load_settings(tmp_path / "nope.toml")
    assert settings == Settings()
    assert warnings == []
    assert settings.export_path == DEFAULT_EXPORT_PATH
    assert settings.key_pattern == DEFAULT_PATTERN


def test_full_config(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
theme = "gruvbox"
export_path = "~/thesis/refs.bib"
key_pattern = "{author}{year}{title2}"
search_fields = ["title", "authors"]

[keymap]
"paper.tag" = "ctrl+t"
"app.quit" = "Q"
""",
    )
    settings, warnings = load_settings(path)
    assert warnings == []
    assert settings.theme == "gruvbox"
    assert settings.export_path == "~/thesis/refs.bib"
    assert settings.key_pattern == "{author}{year}{title2}"
    assert settings.search_fields == ("title", "authors")
    assert dict(settings.keymap) == {"paper.tag": "ctrl+t", "app.quit": "Q"}


def test_syntax_error_names_the_line_and_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\nexport_path = \n')
    settings, warnings = load_settings(path)
    assert settings == Settings()
    assert len(warnings) == 1
    assert "line 2" in warnings[0]
    assert str(path) in warnings[0]


def test_bad_values_are_named_by_line_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """theme = "nord"
export_path = 3
key_pattern = "{nonsense}"
search_fields = ["title", "colour"]
colour = "red"

[keymap]
"paper.tag" = 5
"paper.status" = "S"
""",
    )
    settings, warnings = load_settings(path)
    assert settings.theme == "nord"
    assert settings.export_path == DEFAULT_EXPORT_PATH
    assert settings.key_pattern == DEFAULT_PATTERN
    assert settings.search_fields == Settings().search_fields
    assert dict(settings.keymap) == {"paper.status": "S"}
    joined = "\n".join(warnings)
    assert f"{path}:2: export_path" in joined
    assert f"{path}:3:" in joined and "nonsense" in joined
    assert f"{path}:4:" in joined and "colour" in joined
    assert f"{path}:5: unknown setting 'colour'" in joined
    assert f"{path}:8: keymap.paper.tag" in joined
    assert len(warnings) == 5


def test_keymap_must_be_a_table(tmp_path: Path) -> None:
    settings, warnings = load_settings(write(tmp_path, 'keymap = "ctrl+t"\n'))
    assert dict(settings.keymap) == {}
    assert warnings == [f"{tmp_path / 'config.toml'}:1: keymap must be a table"]


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    settings, warnings = load_settings(path)
    assert settings == Settings()
    assert len(warnings) == 1 and "using defaults" in warnings[0]


def test_settings_are_immutable() -> None:
    settings = Settings()
    try:
        settings.theme = "x"  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("Settings must be frozen")


def test_services_table(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[services]
arxiv_api = "https://arxiv.mirror.example/api"
mailto = "me@example.org"
""",
    )
    settings, warnings = load_settings(path)
    assert warnings == []
    assert dict(settings.services) == {
        "arxiv_api": "https://arxiv.mirror.example/api",
        "mailto": "me@example.org",
    }


def test_bad_services_values_are_named_and_dropped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[services]
crossref_api = "ftp://nope"
mailto = "not-an-address"
hf_api = 3
s2_api = "https://example.org"
""",
    )
    settings, warnings = load_settings(path)
    assert dict(settings.services) == {}
    assert warnings == [
        f"{path}:3: services.crossref_api must be an http(s) URL",
        f"{path}:4: services.mailto must be an e-mail address",
        f"{path}:5: services.hf_api must be a non-empty string",
        f"{path}:6: unknown setting services.s2_api ignored "
        "(expected arxiv_api, crossref_api, hf_api, mailto)",
    ]


def test_columns_of_the_paper_list(tmp_path: Path) -> None:
    settings, warnings = load_settings(write(tmp_path, 'columns = ["year", "added"]\n'))
    assert warnings == [] and settings.columns == ("year", "added")
    settings, warnings = load_settings(write(tmp_path, 'theme = "nord"\ncolumns = ["stars"]\n'))
    assert settings.columns == Settings().columns
    assert len(warnings) == 1 and ":2: unknown column(s) stars" in warnings[0]
