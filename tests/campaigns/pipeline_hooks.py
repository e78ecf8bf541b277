"""Loaded into a worker subprocess (`-I tests.campaigns.pipeline_hooks`) to crash it mid-pipeline on purpose.

Adds a stage after the MPS revision that, the first time, touches SOP_TEST_PAUSE_FILE and then sleeps: the
test SIGKILLs the worker while it sleeps, after the revision committed and before the pipeline finished.
"""

import os
import time
from pathlib import Path
from typing import Any

from production import after_revision


def pause_once(job: Any, result: dict[str, Any]) -> dict[str, Any]:
    marker = Path(os.environ["SOP_TEST_PAUSE_FILE"])
    if not marker.exists():
        marker.write_text(str(result.get("revision")))
        time.sleep(120)
    return {"paused": True}


after_revision.EXTRA_STAGES.append(("test-pause", pause_once))
