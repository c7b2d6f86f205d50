"""Hypothesis profiles for the whole test suite, and the browser fixtures of support.fixtures.

- ``default`` (CI): 100 examples per property (some tests take a fraction or
  a multiple, see ``strategies.scaled``), derandomized, so every run draws the
  same cases and the suite stays fast and reproducible.
- ``thorough``: 3000 random examples per property, for a long search:
  ``CHAINRULE_HYPOTHESIS=thorough python3 -m pytest tests/``.
"""

import os

from hypothesis import HealthCheck, settings
from support.fixtures import chromium, chromium_page, stdin, svg_in_browser  # noqa: F401 (browser, standard input)

settings.register_profile(
    "default",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "thorough",
    max_examples=3000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("CHAINRULE_HYPOTHESIS", "default"))
