"""Copying text to the clipboard from a terminal program, wherever it runs.

The platform's clipboard tool when there is one (Wayland, X11, macOS, WSL), else
OSC 52 through the terminal, which also reaches the local clipboard over SSH.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess

_CLIPBOARD_TOOLS: tuple[tuple[str, ...], ...] = (
    ("wl-copy",),
    ("xclip", "-selection", "clipboard"),
    ("xsel", "--clipboard", "--input"),
    ("pbcopy",),
    ("clip.exe",),
)


def copy_to_clipboard(text: str) -> str:
    """Copy with the platform's clipboard tool, else OSC 52 through the terminal.

    Returns how it was copied, for the message to the user.
    """
    for tool in _CLIPBOARD_TOOLS:
        if shutil.which(tool[0]):
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(tool, input=text.encode(), check=True, timeout=5)
                return tool[0]
    payload = base64.b64encode(text.encode()).decode()
    try:
        with open("/dev/tty", "w") as tty:
            tty.write(f"\x1b]52;c;{payload}\x07")
    except OSError:
        return ""
    return "the terminal (OSC 52)"
