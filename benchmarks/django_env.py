"""Set up Django for a benchmark on a throwaway database (SQLite in a temp dir, or BENCH_DATABASE_URL)."""

from __future__ import annotations

import os
import tempfile


def setup_django() -> str:
    """Point Django at a fresh database, migrate it, and return a description of the database used."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(prefix="sop-bench-"), "bench.sqlite3")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_portal.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor
