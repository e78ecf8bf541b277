"""Real services for the test suite and for local work: PostgreSQL, Redis, a Celery worker, SMTP capture, Chromium.

Servers are started from the machine's installed binaries, with their data under the repository's ignored
`.local/` folder and on private ports, never the system's own clusters. The same code serves two callers:

- pytest, through the plugin `sop_testing.plugin` (loaded with `-p` from pyproject's addopts), and
- `make services` / `make services-stop` (`python -m sop_testing start|stop|status`) for manual work.
"""
