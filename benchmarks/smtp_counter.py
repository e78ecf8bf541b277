"""The real SMTP server of the digests benchmark, in a process of its own: aiosmtpd accepting every message and
writing the client's port (one per SMTP connection) and the message's Message-ID, a line per message, to a file.
The benchmark counts the lines; the server's work is not the portal's and does not share its processes.

    python -m benchmarks.smtp_counter PORT FILE

Only the Message-ID is read (the bodies are not the subject of the benchmark, and parsing them here would slow the
server the portal is waiting on). Each line is flushed as the message is accepted, so the file says at any moment
what the server has taken. Prints "ready" once it answers; runs until SIGTERM.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from typing import IO, Any

# The portal's Message-IDs are one short line ("<hex@sop-portal>"): no header parser is needed to read them.
MESSAGE_ID = re.compile(rb"^Message-ID: *(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)


class MessageIdLog:
    """The aiosmtpd handler: the client's port and the Message-ID of each accepted message, appended to `log`."""

    def __init__(self, log: IO[str]) -> None:
        self.log = log

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = MESSAGE_ID.search(envelope.content.split(b"\r\n\r\n", 1)[0])
        self.log.write(f"{session.peer[1]} {found.group(1).decode() if found else '-'}\n")
        self.log.flush()
        return "250 Message accepted for delivery"


def main() -> None:
    from aiosmtpd.controller import Controller

    port, path = int(sys.argv[1]), sys.argv[2]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with open(path, "a", encoding="ascii") as log:
        controller = Controller(MessageIdLog(log), hostname="127.0.0.1", port=port)
        controller.start()  # returns once the server answers
        print("ready", flush=True)
        stop.wait()
        controller.stop()


if __name__ == "__main__":
    main()
