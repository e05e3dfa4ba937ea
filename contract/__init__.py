"""The /v1 contract between the kiosks and a city's backend, as pydantic models: the one definition that
the reference server (`municipal/`) serves, the kiosk's client reads and printing renders.

A leaf package: it imports pydantic and the standard library only, nothing of the project, and does no
I/O. A city that writes its own backend implements what these models (and the OpenAPI document generated
from them, municipal/openapi.json) describe; see docs/backend-contract.md.

- `contract.v1`: every request and response body of `/v1`.
- `contract.documents`: the printable documents (the answers of the routes that issue them).
- `contract.errors`: `ErrorCode` and the error body.
- `contract.limits`: the field and size limits.
- `contract.text`, `contract.attachments`: the pure checks both sides make (text, attachment names, `sniff`).
- `contract.certificates`: who a certificate's subject names, read from its DER the same way by both sides.
"""
