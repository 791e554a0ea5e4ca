"""A tiny table of the contact benchmark's own (``bench/contact_bench.py``): the bare view's one INSERT.

Installed only by ``bench/contact_bench_settings.py``; its table is made by ``migrate --run-syncdb``.
"""
