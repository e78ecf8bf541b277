"""`manage.py mps_simulate FILE.json` (or `-` for stdin): run the MPS engine on one item or a batch, print JSON.

The contract is docs/mps-simulate.md. No database is touched and no system checks run, so auditors can use it on
any checkout. Bad input exits 2 with one line on stderr that starts with the offending field.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from production.planning.contract import simulate_json
from production.planning.inputs import MpsInputError

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Run the pure MPS engine on a JSON item or batch ({'items': [...]}) and print the plan as JSON."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="input JSON file, or - to read standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        text = self._read(options["file"])
        try:
            output = simulate_json(text)
        except MpsInputError as exc:
            raise CommandError(_one_line(str(exc)), returncode=BAD_INPUT) from None
        self.stdout.write(output)

    def _read(self, name: str) -> bytes:
        if name == "-":
            stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
            return stream.read() if stream is not None else sys.stdin.read().encode()
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"file: cannot read {name} ({exc.strerror})", returncode=BAD_INPUT) from None


def _one_line(message: str) -> str:
    return " ".join(message.split("\n"))
