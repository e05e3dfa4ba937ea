"""uvicorn's httptools protocol with a cap on the request head (request line and headers).

httptools keeps no limit of its own: it gathers a header of any length in memory before the application
sees it (a 300 MB header line was read whole and answered 200). Here the bytes of a head still
incomplete are counted as they arrive; past `HEAD_LIMIT` the request is answered
`431 request_too_large` and the connection closed, so a client can make the server hold at most
`HEAD_LIMIT` plus one network read. uvicorn's h11 protocol has the same cap under the name
`h11_max_incomplete_event_size`; httptools is kept for its speed.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from contract.errors import ErrorCode
from municipal.errors import error_body

#: The kiosk's heads are well under 2 KB (credentials, a bearer token, an idempotency key); browsers
#: opening the verification page send a few KB. nginx's default cap on one header line is 8 KB.
HEAD_LIMIT = 16 * 1024

_BODY = json.dumps(error_body(ErrorCode.REQUEST_TOO_LARGE, "ca"), ensure_ascii=False).encode()
_TOO_LARGE = b"".join(
    [
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        b"content-type: application/json\r\n",
        b"content-length: " + str(len(_BODY)).encode() + b"\r\n",
        b"connection: close\r\n\r\n",
        _BODY,
    ]
)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` that refuses a request head longer than `HEAD_LIMIT` bytes."""

    head_limit = HEAD_LIMIT
    _in_head = True
    _head_bytes = 0

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        # Still inside a head after this read: all of it was head (or the tail of the request before).
        self._head_bytes += len(data)
        if self._head_bytes > self.head_limit:
            self.logger.warning("request head over %d bytes from %s: refused", self.head_limit, self.client)
            self._in_head = False
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(_TOO_LARGE)
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        super().on_headers_complete()
