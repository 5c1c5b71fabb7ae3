"""The test kit, shared by tests/ and bench/: one of each tool for driving the app from outside.

- ``apps``: the test settings, ``make_app``, ``migrate_to_head``, the paths tests read.
- ``servers``: gunicorn on a free loopback port, the environment it runs with, ``flask`` CLI runs.
- ``postgres``: PostgreSQL URLs, throwaway databases, a private cluster for outage tests.
- ``pages``: what a browser reads from an HTML page (forms, fields, buttons, links, ``<main>``).
- ``patient``: a virtual patient who walks the wizard over HTTP by reading those pages.

Nothing here imports pytest: bench/ (run as ``python bench/run.py``) imports it too.
"""
