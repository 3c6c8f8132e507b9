"""A real SMTP server for the tests (aiosmtpd), on a port of its own, that can be stopped and started again on
the same port, and made to hang on one message (a worker killed while it sends)."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.port = free_port()
        self.messages: list = []
        self.controller = None
        self.hang_next = False
        self.hanging = threading.Event()  # set when a message is being held
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope):
        if self.hang_next:
            self.hang_next = False
            self.hanging.set()
            while not self.release.is_set():  # hold the answer: the sender waits, mid-job
                await asyncio.sleep(0.05)
            return "451 try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]
