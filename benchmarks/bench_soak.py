"""Soak: consecutive citizen sessions in one kiosk process leave nothing behind and make nothing grow.

`python -m benchmarks soak` runs SESSIONS (300) sessions; `OVAC_SOAK_SESSIONS=10000 python -m benchmarks
soak` is the long run (about 10 hours here). Run it under the stack lock (`flock /tmp/ovac-stack.lock`):
it uses pcscd's virtual readers.

One kiosk app (Pilot, 80x24) on the real stack: pcscd with the virtual readers and the test cards, the
reference backend (SQLite), the folder printer. The sessions cycle through four citizens, each ending
its session a different way:

1. card login on the virtual reader, a volant d'empadronament, printed; the card is pulled;
2. weak identification, the deixalleria summary, printed; the citizen walks away (idle wipe: the app's
   settings swapped for a copy with 0.5 s timeouts for this session only);
3. a bústia suggestion without login, printed; Finish;
4. card login, an instància up to its attachments, one PDF chosen from a test stick folder (copied into
   the session's temp folder); Finish, then the card is taken.

After every session: the attract screen again, and no trace of the session (its topic, subject,
reference, the holder's name and ID number) in the screen's text or in any widget of any screen, an
empty clipboard, an empty temp root. Every REPORT_EVERY sessions: RSS, open fds, OS threads, asyncio
tasks, widgets in the DOM (every screen on the stack and the login screen built ahead), live widget
objects (gc), files under the temp root, open rows of the backend's session table.

Targets: RSS at most 2 MiB more at the end than at session 100 (the first 100 warm caches up); no
growth of any other count from the first report to the last.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import Figure

SESSIONS = int(os.environ.get("OVAC_SOAK_SESSIONS", "300"))
REPORT_EVERY = 100
RSS_TARGET_MIB = 2.0
SIZE = (80, 24)
PIN = "Prova2026"
CARD = "dnie3-valid"
#: The holder of CARD, as the screens show it: none of it may outlive the session.
HOLDER = ("CARMEN", "Carmen", "ESPAÑOLA", "12345678Z")
WEAK = ("12345678Z", "15/04/1980", "08301")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: The soak uses the second virtual reader, as the procedure tests do.
READER = 1
STICK_FILE = "STICK/justificant.pdf"


@dataclass(frozen=True)
class Sample:
    session: int
    rss_mib: float
    fds: int
    threads: int
    tasks: int
    dom_widgets: int
    live_widgets: int
    temp_files: int
    open_sessions: int

    COUNTS = ("fds", "threads", "tasks", "dom_widgets", "live_widgets", "temp_files", "open_sessions")

    def line(self) -> str:
        counts = "  ".join(f"{name} {getattr(self, name)}" for name in self.COUNTS)
        return f"   after {self.session:>5} sessions: RSS {self.rss_mib:7.1f} MiB  {counts}"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def os_threads() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return threading.active_count()


def census() -> Counter[str]:
    """Live objects by type name, after a full collection (to see what accumulates)."""
    gc.collect()
    return Counter(type(o).__qualname__ for o in gc.get_objects())


class Soak:
    """Drives one kiosk through citizen sessions and checks each leaves nothing behind."""

    def __init__(self, driver: Any, pcsc: Any, server: Any, stick: Path) -> None:
        from kiosk.app import KioskApp

        self.d = driver
        self.app: KioskApp = driver.app
        self.pcsc = pcsc
        self.server = server
        self.stick = stick
        settings = self.app.settings
        self.settings = settings
        ui = settings.ui.model_copy(update={"idle_warning_seconds": 0.5, "idle_wipe_seconds": 0.5})
        self.idle_settings = settings.model_copy(update={"ui": ui})
        assert settings.kiosk.temp_dir is not None
        self.temp_root: Path = settings.kiosk.temp_dir
        self.sessions = 0

    # ------------------------------------------------------------------ figures
    def screens(self) -> list[Any]:
        screens = list(self.app.screen_stack)
        bridge = self.app.card_bridge
        standby = getattr(bridge, "standby", None)
        if standby is not None and standby not in screens:
            screens.append(standby)
        return screens

    def dom(self) -> Iterator[Any]:
        for screen in self.screens():
            yield from screen.walk_children(with_self=True)

    def sample(self) -> Sample:
        from textual.widget import Widget

        gc.collect()
        live = sum(1 for o in gc.get_objects() if isinstance(o, Widget))
        return Sample(
            session=self.sessions,
            rss_mib=rss_mib(),
            fds=len(os.listdir("/proc/self/fd")),
            threads=os_threads(),
            tasks=len(asyncio.all_tasks()),
            dom_widgets=sum(1 for _ in self.dom()),
            live_widgets=live,
            temp_files=sum(1 for _ in self.temp_root.rglob("*")) if self.temp_root.exists() else 0,
            open_sessions=self.open_sessions(),
        )

    def open_sessions(self) -> int:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.server.database_url)
        try:
            with engine.connect() as connection:
                sql = "select count(*) from citizen_sessions where kiosk_id = :k and ended_at is null"
                return int(connection.execute(text(sql), {"k": self.server.kiosk_id}).scalar_one())
        finally:
            engine.dispose()

    # ------------------------------------------------------------------ steps
    async def wait(self, condition: Callable[[], object], what: str, timeout: float = 20) -> None:
        await self.d.wait_for(condition, timeout, what=what)

    def next_ready(self) -> bool:
        found = self.app.screen.query("#step-next")
        return bool(found) and not found.first().disabled and self.d.shown("#step-next")

    async def next_step(self, what: str) -> None:
        """Touch the step's Next (once it can be touched) and wait for the next screen."""
        await self.wait(self.next_ready, f"Next on {what}")
        before = self.app.screen
        await self.d.click("#step-next")
        await self.wait(lambda: self.app.screen is not before, f"the step after {what}")

    async def choose(self, code: str) -> None:
        """From the attract screen: touch Start, the procedure in the catalogue, its Start."""
        await self.wait(lambda: self.app.screen.id == "attract-screen", "the attract screen")
        await self.d.click("#start")
        await self.d.click(f"#proc-{code}")
        await self.d.click("#catalogue-start")

    async def card_login(self) -> None:
        bridge = self.app.card_bridge
        assert bridge is not None
        await self.wait(lambda: self.app.screen.id == "insert-card", "the insert-card screen")
        self.pcsc.control.insert(CARD, reader=READER)
        await self.wait(lambda: bool(self.app.screen.query("PinPad")), "the PIN pad")
        await self.d.press(*PIN)
        await self.d.press("enter")
        await self.wait(lambda: type(self.app.screen).__name__ != "LoginScreen", "the login to end")

    async def pull_card(self) -> None:
        self.pcsc.control.remove(READER)

    async def print_result(self) -> None:
        result = self.app.screen
        await self.wait(self.next_ready, "Print")
        await self.d.click("#step-next")

        def ended() -> bool:
            done = self.app.screen.query("#print-done")
            return bool(done) and bool(done.first().display)

        await self.wait(ended, "the print to end", timeout=40)
        await self.d.click("#print-done")
        await self.wait(lambda: self.app.screen is result, "the result screen again")

    async def finish(self) -> None:
        from kiosk.screens.goodbye import IGNORE_INPUT_SECONDS

        await self.d.click("#finish")
        await self.wait(lambda: self.app.screen.id == "goodbye", "the goodbye screen")
        await self.d.pause(IGNORE_INPUT_SECONDS + 0.05)
        await self.d.click(offset=(2, 2))  # the citizen touches the screen to leave

    def traces_of_result(self) -> list[str]:
        document = getattr(self.app.screen, "document", None)
        return [str(getattr(document, a)) for a in ("reference", "csv") if getattr(document, a, None)]

    async def to_printed_result(self, steps: tuple[str, ...], what: str) -> list[str]:
        """Touch Next on each of `steps`, wait for the result (`what`), print it; the result's traces."""
        for step in steps:
            await self.next_step(step)
        await self.wait(lambda: bool(self.traces_of_result()), what)
        traces = self.traces_of_result()
        await self.print_result()
        return traces

    # ------------------------------------------------------------------ the four citizens
    async def padro_card_pulled(self) -> list[str]:
        await self.choose("volant_individual")
        await self.card_login()
        await self.wait(lambda: "Consteu al padró" in self.d.text(), "the registration")
        traces = await self.to_printed_result(
            ("the registration", "the document", "the review"), "the volant"
        )
        await self.pull_card()
        return [*traces, *HOLDER]

    async def deixalleria_idle(self) -> list[str]:
        await self.choose("deixalleria_consulta")
        for value, field in zip(WEAK, ("id_number", "birth_date", "postal_code"), strict=True):
            await self.d.type(value, into=f"#f-weak_{field}")
        await self.next_step("the identification")
        await self.wait(lambda: "Bonificació" in self.d.text(), "the summary")
        traces = self.traces_of_result()
        await self.print_result()
        self.app.settings = self.idle_settings  # the citizen walks away
        try:
            await self.wait(lambda: self.app.session is None, "the idle wipe")
        finally:
            self.app.settings = self.settings
        return [*traces, *HOLDER]

    async def bustia_finish(self) -> list[str]:
        topic = f"Fanals {uuid.uuid4().hex[:8]}"
        body = f"Caldria més llum {uuid.uuid4().hex[:8]}"
        await self.choose("bustia")
        await self.d.click("#kind-suggeriment")
        await self.d.type(topic, into="#f-topic")
        await self.d.paste(body, into="#f-text")
        traces = await self.to_printed_result(("the message", "the contact", "the review"), "the receipt")
        await self.finish()
        return [topic, body, *traces]

    async def instancia_attachment(self) -> list[str]:
        from textual.widgets import OptionList, Select

        from widgets.file_picker import FilePicker

        subject = f"Assumpte {uuid.uuid4().hex[:8]}"
        exposo = f"El fanal del carrer {uuid.uuid4().hex[:8]} no funciona."
        await self.choose("instancia_generica")
        await self.card_login()
        await self.d.type(subject, into="#f-subject")
        select = self.app.screen.query_one("#department", Select)
        await self.wait(lambda: select.query_one(OptionList).option_count > 1, "the departments")
        select.focus()
        await self.d.press("enter", "down", "down", "enter")
        await self.wait(lambda: not select.is_blank(), "a department chosen")
        await self.next_step("the subject")
        await self.d.paste(exposo, into="#f-exposo")
        await self.d.paste("Que el reparin.", into="#f-solicito")
        await self.next_step("the request")
        picker = self.app.screen.query_one(FilePicker)
        await self.wait(lambda: STICK_FILE in [e.key for e in picker.entries], "the stick's file")
        picker.focus()
        picker.highlighted = picker.get_option_index(STICK_FILE)
        await self.d.pause()
        await self.d.press("enter")
        session = self.app.session
        assert session is not None
        copies = session.temp_dir / "attachments"
        await self.wait(lambda: any(copies.rglob("*.pdf")), "the private copy")
        await self.finish()
        await self.wait(lambda: self.app.session is None, "the end of the session")
        await self.pull_card()
        return [subject, exposo, "justificant.pdf", *HOLDER]

    CITIZENS = ("padro_card_pulled", "deixalleria_idle", "bustia_finish", "instancia_attachment")

    # ------------------------------------------------------------------ one session and its check
    async def session(self) -> None:
        citizen = getattr(self, self.CITIZENS[self.sessions % len(self.CITIZENS)])
        traces: list[str] = await citizen()
        self.sessions += 1
        await self.wait(
            lambda: self.app.session is None and self.app.screen.id == "attract-screen", "the attract screen"
        )
        await self.wait(lambda: not self.pcsc.control.inserted(), "the card out")
        await self.d.pause()
        self.check_clean(traces)

    def check_clean(self, traces: list[str]) -> None:
        from textual.widgets import Input, Static, TextArea

        where = f"after session {self.sessions} ({self.CITIZENS[(self.sessions - 1) % len(self.CITIZENS)]})"
        shown = self.d.text()
        left = [t for t in traces if t in shown]
        assert not left, f"{where}: the screen still shows {left}:\n{shown}"
        for widget in self.dom():
            held = ""
            if isinstance(widget, Input):
                held = widget.value
            elif isinstance(widget, TextArea):
                held = widget.text
            elif isinstance(widget, Static):
                held = str(widget.content)
            left = [t for t in traces if t in held]
            assert not left, f"{where}: {widget!r} still holds {left}"
        assert not self.app.clipboard, f"{where}: the clipboard holds {self.app.clipboard!r}"
        files = list(self.temp_root.rglob("*")) if self.temp_root.exists() else []
        assert not files, f"{where}: the temp root holds {files}"


async def soak(
    sessions: int,
    tmp: Path,
    pcsc: Any,
    server: Any,
    *,
    report_every: int = REPORT_EVERY,
    report: Callable[[Sample], None] = lambda s: print(s.line(), flush=True),
    after: Callable[[Soak], None] | None = None,
) -> list[Sample]:
    """Run `sessions` citizen sessions in one kiosk; a sample before the first and every `report_every`.
    `after(soak)` is called after every session (a test's own checks)."""
    from kiosk.cli import WORKER_THREADS
    from tests.fixtures.app import make_settings
    from tests.harness import drive, make_app

    media = tmp / "media"
    (media / "STICK").mkdir(parents=True, exist_ok=True)
    (media / STICK_FILE).write_bytes(PDF)
    settings = make_settings(
        tmp,
        kiosk={"id": server.kiosk_id},
        backend={"url": server.url, "kiosk_key": server.kiosk_key, "retries": 0},
        eid={"pkcs11_module": str(pcsc.pkcs11_module), "readers": [pcsc.readers[READER]]},
        attachments={"mount_roots": [str(media)]},
        printer={"kind": "folder", "folder": str(tmp / "printed")},
    )
    printed = tmp / "printed"
    samples: list[Sample] = []
    pcsc.control.remove(READER)
    async with drive(make_app(settings, worker_threads=WORKER_THREADS), size=SIZE) as driver:
        run = Soak(driver, pcsc, server, media)
        await driver.pause(0.3)
        for _ in range(sessions):
            await run.session()
            for paper in printed.glob("*"):  # the citizen took the paper
                paper.unlink()
            if after is not None:
                after(run)
            if run.sessions % report_every == 0:
                samples.append(run.sample())
                report(samples[-1])
    return samples


def figures(samples: list[Sample]) -> list[Figure]:
    first, last = samples[0], samples[-1]
    growth = last.rss_mib - first.rss_mib
    out = [
        Figure(
            name=f"RSS growth, session {first.session} → {last.session}",
            value=growth,
            unit="MiB",
            reference_name=f"RSS at session {first.session}",
            reference=first.rss_mib,
            target=f"≤ {RSS_TARGET_MIB:g} MiB",
            met=growth <= RSS_TARGET_MIB,
        )
    ]
    for name in Sample.COUNTS:
        before, after = getattr(first, name), getattr(last, name)
        out.append(
            Figure(
                name=f"{name} growth, session {first.session} → {last.session}",
                value=after - before,
                unit="",
                reference_name=f"{name} at session {first.session}",
                reference=before,
                target="0",
                met=after <= before,
            )
        )
    return out


def run() -> list[Figure]:
    from devstack import backend
    from devstack.pcsc import running

    started = time.monotonic()
    with (
        running() as info,
        backend.running(trust_anchors=info.cards.ca_dir, crls=info.cards.crl_dir, training=True) as server,
        tempfile.TemporaryDirectory(prefix="ovac-soak-") as tmp,
    ):
        samples = asyncio.run(soak(SESSIONS, Path(tmp), info, server))
    minutes = (time.monotonic() - started) / 60
    print(f"   ({len(samples) and samples[-1].session} sessions in {minutes:.1f} min)")
    if len(samples) < 2:
        raise RuntimeError(f"at least {2 * REPORT_EVERY} sessions are needed for a growth figure")
    return figures(samples)
