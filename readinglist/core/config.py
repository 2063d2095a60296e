"""User settings from ``config.toml`` (SPEC §10).

A broken config must never stop the app from starting: :func:`load_settings`
returns the defaults for anything it cannot use, together with warnings that name
the offending line, and the caller shows those warnings to the user.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .keys import DEFAULT_PATTERN, base_key
from .model import Paper

APP_NAME = "readinglist"
CONFIG_FILE = "config.toml"
DEFAULT_EXPORT_PATH = "./readinglist-export.bib"
DEFAULT_THEME = "textual-dark"
SEARCHABLE_FIELDS: tuple[str, ...] = ("title", "authors", "tags", "key", "abstract", "notes")
# Optional columns of the TUI's paper list (the mark and the title always show).
LIST_COLUMNS: tuple[str, ...] = ("author", "year", "tags", "rating", "priority", "status", "added")
DEFAULT_COLUMNS: tuple[str, ...] = ("author", "year", "tags", "rating", "priority", "status")
# ``[services]``: base URLs of the metadata services and the Crossref contact address.
SERVICE_SETTINGS: tuple[str, ...] = ("arxiv_api", "crossref_api", "hf_api", "mailto")

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the user can configure; immutable so no code path can change it behind
    another's back (no global mutable config)."""

    keymap: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    theme: str = DEFAULT_THEME
    export_path: str = DEFAULT_EXPORT_PATH
    key_pattern: str = DEFAULT_PATTERN
    search_fields: tuple[str, ...] = SEARCHABLE_FIELDS
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    services: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


def default_config_path() -> Path:
    """``config.toml`` in the platform's user config directory."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / CONFIG_FILE


def _line_of(text: str, key: str) -> int:
    """1-based line where ``key = ...`` is written (0 if not found)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _where(path: Path, text: str, key: str) -> str:
    line = _line_of(text, key)
    return f"{path}:{line}" if line else str(path)


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """Read settings from ``path`` (default: the user config file).

    A missing file gives the defaults silently; a bad file or value gives the
    defaults for what is bad and one warning per problem, naming file and line.
    """
    path = path if path is not None else default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(), []
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(), [f"{path}: cannot read config ({exc}); using defaults"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Settings(), [f"{path}: {exc}; using defaults"]
    return _settings_from(data, path, text)


def _settings_from(data: dict[str, Any], path: Path, text: str) -> tuple[Settings, list[str]]:
    warnings: list[str] = []
    values: dict[str, Any] = {}

    for key in ("theme", "export_path", "key_pattern"):
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            warnings.append(f"{_where(path, text, key)}: {key} must be a non-empty string")
            continue
        values[key] = value

    if "key_pattern" in values:
        try:
            base_key(
                Paper(title="Sample title", authors=("Doe, Jane",), year=2020),
                values["key_pattern"],
            )
        except ValueError as exc:
            warnings.append(f"{_where(path, text, 'key_pattern')}: {exc}")
            del values["key_pattern"]

    if "search_fields" in data:
        fields_value = data["search_fields"]
        where = _where(path, text, "search_fields")
        if not isinstance(fields_value, list) or not all(isinstance(f, str) for f in fields_value):
            warnings.append(f"{where}: search_fields must be a list of field names")
        else:
            unknown = [f for f in fields_value if f not in SEARCHABLE_FIELDS]
            if unknown or not fields_value:
                warnings.append(
                    f"{where}: unknown search field(s) {', '.join(unknown) or '(none given)'}; "
                    f"expected some of {', '.join(SEARCHABLE_FIELDS)}"
                )
            else:
                values["search_fields"] = tuple(fields_value)

    if "columns" in data:
        columns = data["columns"]
        where = _where(path, text, "columns")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            warnings.append(f"{where}: columns must be a list of column names")
        elif unknown := [c for c in columns if c not in LIST_COLUMNS]:
            warnings.append(
                f"{where}: unknown column(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(LIST_COLUMNS)}"
            )
        else:
            values["columns"] = tuple(columns)

    if "keymap" in data:
        keymap = data["keymap"]
        if not isinstance(keymap, dict):
            warnings.append(f"{_where(path, text, 'keymap')}: keymap must be a table")
        else:
            good: dict[str, str] = {}
            for binding_id, keys in keymap.items():
                if isinstance(keys, str) and keys.strip():
                    good[binding_id] = keys.strip()
                else:
                    warnings.append(
                        f"{_where(path, text, binding_id)}: keymap.{binding_id} must be a key "
                        'string such as "ctrl+t"'
                    )
            values["keymap"] = MappingProxyType(good)

    if "services" in data:
        services, problems = _services_from(data["services"], path, text)
        warnings.extend(problems)
        values["services"] = services

    known = {
        "theme", "export_path", "key_pattern", "search_fields", "columns", "keymap", "services",
    }  # fmt: skip
    for key in data:
        if key not in known:
            warnings.append(f"{_where(path, text, key)}: unknown setting {key!r} ignored")
    return Settings(**values), warnings


def _services_from(table: Any, path: Path, text: str) -> tuple[Mapping[str, str], list[str]]:
    """``[services]``: http(s) base URLs and a ``mailto`` address; bad values are dropped."""
    if not isinstance(table, dict):
        return _EMPTY, [f"{_where(path, text, 'services')}: services must be a table"]
    good: dict[str, str] = {}
    warnings: list[str] = []
    for name, value in table.items():
        where = _where(path, text, name)
        if name not in SERVICE_SETTINGS:
            warnings.append(
                f"{where}: unknown setting services.{name} ignored "
                f"(expected {', '.join(SERVICE_SETTINGS)})"
            )
        elif not isinstance(value, str) or not value.strip():
            warnings.append(f"{where}: services.{name} must be a non-empty string")
        elif name == "mailto" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value.strip()):
            warnings.append(f"{where}: services.mailto must be an e-mail address")
        elif name != "mailto" and not re.match(r"https?://[^/\s]+", value.strip()):
            warnings.append(f"{where}: services.{name} must be an http(s) URL")
        else:
            good[name] = value.strip()
    return MappingProxyType(good), warnings
