"""Container health checks for docker-compose.yml: `python docker/healthcheck.py web|beat`; exit 0 means healthy.

web: GET /healthz answers 200, so the database, the broker and at least one worker are reachable.
beat: the heartbeat task beat sends every minute ran within the last three minutes. Beat itself has no port
to probe; a recent heartbeat proves it is scheduling and a worker is consuming what it schedules.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Run as a script from docker/, so the project root is not on sys.path by itself.
PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
HEALTHZ_URL = "http://127.0.0.1:8000/healthz"
BEAT_MAX_AGE_SECONDS = 180.0


def check_web() -> bool:
    try:
        with urllib.request.urlopen(HEALTHZ_URL, timeout=8) as response:
            print(response.read().decode())
            return response.status == 200
    except urllib.error.HTTPError as exc:  # 503 carries the JSON that names the failing part
        print(exc.read().decode(), file=sys.stderr)
    except OSError as exc:
        print(exc, file=sys.stderr)
    return False


def check_beat() -> bool:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_portal.settings")
    if PROJECT_ROOT not in sys.path:
        sys.path.insert(0, PROJECT_ROOT)
    import django

    django.setup()
    from django.core.cache import cache

    from sop_portal.health import HEARTBEAT_KEY

    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        print("no heartbeat yet", file=sys.stderr)
        return False
    age = time.time() - float(beat)
    print(f"last heartbeat {age:.0f} s ago")
    return age < BEAT_MAX_AGE_SECONDS


CHECKS = {"web": check_web, "beat": check_beat}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(CHECKS)}")
    sys.exit(0 if CHECKS[sys.argv[1]]() else 1)
