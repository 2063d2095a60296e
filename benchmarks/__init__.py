"""Benchmarks and real-data checks, run from a checkout: ``python -m benchmarks`` and
``python -m benchmarks.NAME``. They are not part of the installed package; the
synthetic libraries they measure come from :mod:`tests.synthetic`."""
