"""The rule the requests with a contact share (`ConsentedContactIn`): a contact is taken only with the
citizen's consent, and an empty one is no contact, for a booking as for an application to an activity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from contract.activities import ApplicationIn
from contract.v1 import CitaIn, ConsentedContactIn, ContactIn

BOOKING = {"service": "padro", "appointment_at": datetime(2026, 12, 3, 9, 0, tzinfo=UTC)}
REQUESTS: list[tuple[type[ConsentedContactIn], dict[str, Any]]] = [(CitaIn, BOOKING), (ApplicationIn, {})]


@pytest.mark.parametrize(("model", "fields"), REQUESTS)
def test_a_contact_needs_the_consent(model: type[ConsentedContactIn], fields: dict[str, Any]) -> None:
    for contact in ({"email": "nom@exemple.cat"}, {"phone": "600112233"}):
        with pytest.raises(ValidationError, match="a contact needs the citizen's consent"):
            model.model_validate({**fields, "contact": contact})
        consented = model.model_validate({**fields, "contact": contact, "consent": True})
        assert consented.given_contact == ContactIn.model_validate(contact)


@pytest.mark.parametrize(("model", "fields"), REQUESTS)
def test_an_empty_contact_is_none(model: type[ConsentedContactIn], fields: dict[str, Any]) -> None:
    for contact in (None, {}, {"email": None, "phone": None}):
        assert model.model_validate({**fields, "contact": contact}).given_contact is None
