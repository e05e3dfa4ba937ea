"""The pages people open in a browser, served by the backend: the document verification page (the URL
and QR code printed on every document; `verify`) and the staff's fleet status page (`staff`), on one
small page builder (`page`). Plain HTML and a style sheet: no script runs, and the Content-Security-
Policy of every page allows none."""

from __future__ import annotations

from fastapi import APIRouter

from municipal.web import staff, verify

router = APIRouter(include_in_schema=False)
# The verification page first: its route steps aside for a client that does not prefer HTML, which the
# JSON route of the same path (municipal.api.public) then answers.
router.include_router(verify.router)
router.include_router(staff.router)
