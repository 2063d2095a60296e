"""The UI-free core: model, storage, importers, search, BibTeX and keys.

Nothing under this package may import Textual; ``tests/test_import_hygiene.py``
checks it, so the CLI and scripts stay fast to start and easy to test.
"""
