"""The fault matrix's TLS faults where the walks of the other files cannot put them, and what makes them
faithful: the kiosk trusts the backend's CA through `[backend] ca_file`, whatever $REQUESTS_CA_BUNDLE says.

The matrix's walks (test_backend_faults, test_card_faults) already meet the TLS faults (a certificate from
a CA the kiosk does not trust, one for another host name, the handshake cut halfway) at every backend
call, over HTTPS. Here: the instància's departments, whose pick-list asks again only 4 times (the walk of
test_card_faults spends them on the backend faults): the first load cut, then each TLS fault in turn,
while the citizen types the subject; the step, the subject and the keys stay, no modal, and the
departments come on the try after the last fault."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kiosk import config
from tests.e2e.faults.conftest import CardFaults
from tests.e2e.faults.walks import departments_through_faults, faulty_kiosk
from tests.e2e.procedures.helpers import READER_INDEX, SIZE
from tests.fixtures.faults import TLS_FAULTS, Fault
from tests.harness import drive

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def test_ca_file_must_exist(tmp_path: Path) -> None:
    """A `[backend] ca_file` that is not there is refused when the config is read, not at the first call."""
    good = (Path(config.__file__).parents[1] / "config.toml").read_text(encoding="utf-8")
    broken = tmp_path / "config.toml"
    broken.write_text(
        good.replace("retries = 2\n", f'retries = 2\nca_file = "{tmp_path / "none.pem"}"\n', 1), "utf-8"
    )
    with pytest.raises(config.ConfigError, match=r"\[backend\] ca_file"):
        config.load(broken)


async def test_departments_survive_every_tls_fault_while_the_subject_is_typed(
    tmp_path: Path, card_faults: CardFaults, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The system's bundle (which does not hold the test CA) in the variables requests reads: the kiosk
    # must trust its `ca_file`, not them.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", SYSTEM_BUNDLE)
    monkeypatch.setenv("CURL_CA_BUNDLE", SYSTEM_BUNDLE)
    proxy = card_faults.proxy
    eid = {"pkcs11_module": str(card_faults.pcsc.pkcs11_module),
           "readers": [card_faults.pcsc.readers[READER_INDEX]]}  # fmt: skip
    attachments = {"mount_roots": [str(tmp_path / "no-stick")]}
    app = faulty_kiosk(tmp_path, card_faults.backend, proxy, eid=eid, attachments=attachments)
    assert app.settings.backend.url.startswith("https://")
    subject = f"Fanal {uuid.uuid4().hex[:8]}"
    # The first load meets the connection cut (a TLS fault would strike the login's connection, opened
    # first); each try after it, a TLS fault.
    faults: tuple[Fault, ...] = ("down", *TLS_FAULTS)
    async with drive(app, size=SIZE) as driver:
        step = await departments_through_faults(
            driver, proxy, card_faults.pcsc, faults, subject[:6], TLS_FAULTS
        )
        await driver.type(subject[6:])  # the keys typed meanwhile go into the field
        await driver.wait_for(lambda: bool(step.state.departments), timeout=15, what="the departments")
        assert driver.value("#f-subject") == subject and step.state.subject == subject
        assert not driver.text_of("#department-error")
