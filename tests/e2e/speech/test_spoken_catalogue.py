"""The catalogue's detail is said when the citizen chooses a procedure: whether it can be done here, and
for one that cannot, what to bring and where to go (before, only the Start button was said on Tab, and a
citizen who cannot see never heard why a procedure cannot be done at the kiosk)."""

from __future__ import annotations

from pathlib import Path

from devstack.backend import BackendInfo
from kiosk.speech.reader import speakable
from tests.e2e.speech.test_spoken_lists import catalogue, said_after
from tests.e2e.speech.test_spoken_procedures import listening


async def test_the_chosen_procedures_detail_is_said(tmp_path: Path, backend_server: BackendInfo) -> None:
    async with listening(tmp_path, backend_server) as (driver, voice):
        screen = await catalogue(driver)
        elsewhere = next(p for p in screen.procedures if not p.completable_here and p.what_to_bring)
        here = next(p for p in screen.procedures if p.completable_here)
        cannot = ["No es pot fer en aquest punt d'autoservei.", "Què cal portar", elsewhere.what_to_bring[0]]
        can = ["El podeu fer aquí mateix, en aquest punt d'autoservei."]
        for procedure, words in ((elsewhere, cannot), (here, can)):
            before = len(voice.utterances)
            await driver.click(f"#proc-{procedure.code}")
            said = await said_after(driver, voice, before, speakable(procedure.title))
            for word in words:
                assert speakable(word) in said, (word, said)
