"""The Textual TUI (SPEC §6); build it with :func:`readinglist.tui.app.create_app`."""
