"""Errors services raise; views answer them with a message, the API with a status code."""

from __future__ import annotations


class StaleEdit(Exception):
    """Somebody saved the record since this edit started (HTTP 409); nothing was written."""

    def __init__(self, what: str, current_version: int) -> None:
        super().__init__(
            f"{what} was changed by someone else (now version {current_version}); reload and redo your edit"
        )
        self.current_version = current_version


class InputError(ValueError):
    """Bad input that names where it is: row (1-based, header = row 1) and field."""

    def __init__(self, field: str, message: str, row: int | None = None) -> None:
        where = f"row {row}, {field}" if row is not None else field
        super().__init__(f"{where}: {message}")
        self.field, self.row, self.message = field, row, message
