"""Training mode: `POST /v1/training/reset` erases everything done on this training backend and loads
the demo data again (see `municipal.training`).

The router is mounted only in a server started with `--training`: a production server has no such route
and answers `404 not_found` like any unknown path. It is left out of the OpenAPI document in both modes:
the document is the contract a city's backend implements, and resetting is the reference server's own
training feature (documented in docs/backend-contract.md), not part of that contract.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter

from contract.v1 import TrainingResetOut
from municipal import timeutil, training
from municipal.api.common import KIOSK
from municipal.api.writes import Write

log = logging.getLogger("municipal.training")
router = APIRouter(prefix="/v1/training", tags=["training"], include_in_schema=False, dependencies=[KIOSK])


@router.post("/reset", status_code=200, response_model=TrainingResetOut)
def reset(write: Write) -> TrainingResetOut:
    """Erase the registry entries and their attachments, issued documents, bústia messages, deixalleria
    card requests, citizen sessions, login challenges and attempts, and idempotency records; load the demo
    padró, deixalleria and catalogue again; keep the kiosks. One transaction. A retry with the same
    Idempotency-Key gets the first answer and erases nothing more."""
    with write.transaction(None, None) as tx:
        now = timeutil.now()
        erased, restored = training.reset(tx.session)
        # Counts only: nothing that names a citizen.
        log.warning(
            "training data reset by kiosk %s: erased %s",
            write.kiosk_id,
            ", ".join(f"{n} {what}" for what, n in erased.items() if n) or "nothing",
        )
        return tx.answer(TrainingResetOut(reset_at=now, erased=erased, restored=restored))
