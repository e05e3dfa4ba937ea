"""Request size limits, enforced while the body streams in (before anything buffers it in memory).

A declared Content-Length over the limit is refused at once; a chunked body is counted as it arrives
and cut off with 413 as soon as it passes the limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract.errors import ErrorCode
from contract.limits import BODY_MAX, INSTANCIA_BODY_MAX
from municipal.errors import error_body, language_of


def limit_for(path: str) -> int:
    return INSTANCIA_BODY_MAX if path.rstrip("/").endswith("/v1/instancies") else BODY_MAX


class _TooLarge(HTTPException):
    """Raised from inside `receive`: FastAPI lets HTTPExceptions through its body parsing unchanged."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int] = limit_for):
        self.app = app
        self.limit_for = limit_for

    async def _refuse(self, scope: Scope, send: Send) -> None:
        from starlette.requests import Request

        body = json.dumps(
            error_body(ErrorCode.REQUEST_TOO_LARGE, language_of(Request(scope))), ensure_ascii=False
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await self._refuse(scope, send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send)
