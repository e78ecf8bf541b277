from datetime import date
from typing import Any

import pytest

from sop_portal.masterdata import services

# A Wednesday in ISO week 2027-W14 (Monday 5 April): pages count "this week" and the next 13 / 26 from here.
TODAY = date(2027, 4, 7)
THIS_MONDAY = date(2027, 4, 5)


@pytest.fixture(autouse=True)
def planning_today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr(services, "today", lambda: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Every test makes users; the production hasher is slow on purpose. Login tests still check real passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
