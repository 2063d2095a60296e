"""Synthetic data the tests build and the benchmarks reuse: papers shaped like a real
ML reading list, the ``.bib`` file they make, and hostile inputs built to size.

Run from the checkout root (``python -m benchmarks`` puts it on ``sys.path``); none of
it ships in the wheel.
"""

from tests.synthetic.bib import bib_entry, bib_text, write_bib
from tests.synthetic.inputs import HOSTILE, chained_strings_bib, hostile_tex, thesis_tex
from tests.synthetic.papers import synthetic_papers

__all__ = [
    "HOSTILE",
    "bib_entry",
    "bib_text",
    "chained_strings_bib",
    "hostile_tex",
    "synthetic_papers",
    "thesis_tex",
    "write_bib",
]
