"""The portal's settings, plus the contact benchmark's bare view (``bench/contact_bench.py``).

Everything the portal's requests go through (middleware, sessions, authentication, the database
connection) is the portal's own; the benchmark adds a tiny app with one table and one URL.
"""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare_insert"]  # noqa: F405
ROOT_URLCONF = "bench.contact_bench_urls"
