"""``completion bash|zsh|fish``: the script that makes the shell ask readinglist.

Each shell runs ``readinglist`` with ``_READINGLIST_COMPLETE`` set on every tab;
click answers with commands, options, citation keys and tags (see ``complete``).

Bash splits words at ``:`` (it is in ``COMP_WORDBREAKS``), so ``tag:ki`` reaches
the program as ``tag``, ``:``, ``ki``, and bash replaces only the text after the
colon. The bash class here joins such words back before completing and trims the
answers to what bash replaces.
"""

from __future__ import annotations

import os

import click
from click.shell_completion import (
    BashComplete,
    CompletionItem,
    add_completion_class,
    get_completion_class,
    split_arg_string,
)

from .base import COMPLETE_VAR, EXIT_OK

_BREAKS = (":", "=")


class ReadinglistBash(BashComplete):
    """click's bash completion, with words split at ``:`` and ``=`` joined again."""

    _trim = ""

    def get_completion_args(self) -> tuple[list[str], str]:
        words = split_arg_string(os.environ["COMP_WORDS"])
        cword = int(os.environ["COMP_CWORD"])
        while len(words) <= cword:
            words.append("")
        joined: list[str] = []
        after_break = False
        for word in words[: cword + 1]:
            is_break = word in _BREAKS
            if len(joined) > 1 and (is_break or (after_break and word)):
                joined[-1] += word
            else:
                joined.append(word)
            after_break = is_break
        incomplete = joined[-1]
        cut = max(incomplete.rfind(b) for b in _BREAKS)
        self._trim = incomplete[: cut + 1] if cut >= 0 else ""
        return joined[1:-1], incomplete

    def format_completion(self, item: CompletionItem) -> str:
        value = str(item.value)
        if self._trim and value.startswith(self._trim):
            value = value[len(self._trim) :]
        return f"{item.type},{value}"


def register() -> None:
    add_completion_class(ReadinglistBash, "bash")


def completion_script(command: click.Command, shell: str, prog_name: str = "readinglist") -> str:
    """The completion script of ``command`` for ``shell`` (bash, zsh or fish)."""
    register()
    complete_class = get_completion_class(shell)
    assert complete_class is not None
    return complete_class(command, {}, prog_name, COMPLETE_VAR).source()


@click.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def cmd_completion(shell: str) -> int:
    """Print the shell completion script for bash, zsh or fish.

    Add eval "$(readinglist completion bash)" to ~/.bashrc (zsh likewise), or
    readinglist completion fish | source to fish's config.
    """
    root = click.get_current_context().find_root().command
    click.echo(completion_script(root, shell), nl=False)
    return EXIT_OK
