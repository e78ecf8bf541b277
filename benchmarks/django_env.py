"""Set up Django for a benchmark on a throwaway database (SQLite in a temp dir, or BENCH_DATABASE_URL)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile


def setup_django() -> str:
    """Point Django at a fresh database, migrate it, and return a description of the database used."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
        folder = tempfile.mkdtemp(prefix="sop-bench-")
        # A 10,000-SKU database is hundreds of MB: gone when the benchmark ends, not left in /tmp run after run.
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        os.environ["SQLITE_PATH"] = os.path.join(folder, "bench.sqlite3")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_portal.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor
