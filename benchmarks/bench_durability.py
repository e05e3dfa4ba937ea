"""Backend durability: 20 kiosks submitting instàncies for 5 minutes while connections are cut at random.

The reference server (`python -m municipal serve`) on a private PostgreSQL cluster (durable settings),
behind the tests' loopback proxy (tests/fixtures/proxy.py). 20 kiosks, each a thread with the
kiosk's own client (kiosk/backend/client.py) and a citizen logged in, submit instàncies with one PDF
each, one Idempotency-Key per submission, the same key for every retry (the client's own, then the
kiosk's, as a citizen touching "Send" again). The first fifth of the run has no faults (the reference);
during the rest a cutter, at random moments (on average every 0.5 s), either cuts every open connection
(requests half sent or half answered) or loses the next reply after the server did the work. At the end
the registry is audited (tests/integration/durability/harness.py): the `E/<year>/<n>` numbers are 1..n,
every acknowledged submission is there once under its number, none twice.

Length: `python -m benchmarks.bench_durability --seconds 60`, or OVAC_BENCH_DURABILITY_SECONDS for
`make bench` (default 300).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchmarks import Figure

KIOSKS = 20
SECONDS = float(os.environ.get("OVAC_BENCH_DURABILITY_SECONDS", "300"))
#: Mean time between two faults of the cutter.
FAULT_EVERY = 0.5


class _ClientRetries(logging.Handler):
    """Counts the client's failed attempts (its warnings), and keeps them off the benchmark's output."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "attempt" in record.getMessage()


def run(seconds: float | None = None) -> list[Figure]:
    length = SECONDS if seconds is None else seconds
    client_log = logging.getLogger("kiosk.backend.client")
    attempts = _ClientRetries()
    client_log.addHandler(attempts)
    client_log.propagate = False
    try:
        return _run(length, attempts)
    finally:
        client_log.removeHandler(attempts)
        client_log.propagate = True


def _run(length: float, attempts: _ClientRetries) -> list[Figure]:
    from sqlalchemy import create_engine

    from devstack import backend, postgres
    from tests.fixtures.backend import TestPKI
    from tests.fixtures.proxy import LossyProxy
    from tests.integration.durability.harness import PDF, Kiosk, audit, check_kiosks, submissions_of, tally

    with tempfile.TemporaryDirectory(prefix="ovac-bench-durability-") as tmp:
        folder = Path(tmp)
        pki = TestPKI(folder / "anchors")
        applicant = pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA")
        attachment = folder / "justificant.pdf"
        attachment.write_bytes(PDF)
        with (
            postgres.running(durable=True) as cluster,
            backend.running(database_url=cluster.create_database(), trust_anchors=pki.anchors) as server,
        ):
            proxy = LossyProxy(server.url)
            stop = threading.Event()
            kiosks = [
                Kiosk(f"k{n:02d}", [proxy.url], *server.add_kiosk(f"bench-{n:02d}-{uuid.uuid4().hex[:6]}"),
                      applicant, attachment, stop=stop, give_up_after=120)
                for n in range(KIOSKS)
            ]  # fmt: skip
            started = time.monotonic()
            for k in kiosks:
                k.start()
            time.sleep(length / 10)  # logins and warm-up
            warm, warm_at = tally(kiosks).acknowledged, time.monotonic()
            time.sleep(length / 10)
            clean = tally(kiosks).acknowledged
            clean_rate = (clean - warm) / (time.monotonic() - warm_at)
            faults = {"cuts": 0, "lost_replies": 0}
            faulty_from = time.monotonic()
            random_ = random.Random(15)
            while time.monotonic() - started < length:
                time.sleep(random_.expovariate(1 / FAULT_EVERY))
                if random_.random() < 0.5:
                    proxy.cut_idle_connections()  # every open connection, idle or not
                    faults["cuts"] += 1
                else:
                    proxy.drop_next_reply.set()
                    faults["lost_replies"] += 1
            faulty_rate = (tally(kiosks).acknowledged - clean) / (time.monotonic() - faulty_from)
            stop.set()
            for k in kiosks:
                k.join(timeout=180)
            proxy.close()
            check_kiosks(kiosks)
            engine = create_engine(server.database_url)
            result = audit(engine, submissions_of(kiosks))
            engine.dispose()
    counts = tally(kiosks)
    duplicates = len(result.duplicates) + len(result.repeated_numbers)
    gaps = len(result.gaps)
    missing = len(result.missing) + counts.submitted - counts.acknowledged
    print(
        f"   counts: submitted={counts.submitted} acknowledged={counts.acknowledged} "
        f"retried={attempts.count} (by the client; {counts.retried} sent again by the kiosk, same key) "
        f"entries={result.entries} duplicates={duplicates} gaps={gaps} "
        f"missing={missing}; faults: {faults['cuts']} cuts, {faults['lost_replies']} lost replies "
        f"({proxy.dropped} dropped) in {length:.0f} s"
    )
    sound = duplicates == gaps == missing == 0 and result.entries == counts.submitted
    return [
        Figure(
            "acknowledged instàncies/s with connections cut",
            faulty_rate,
            "/s",
            "without faults",
            clean_rate,
            better="higher",
        ),
        Figure(
            "duplicates + gaps + acknowledged missing",
            float(duplicates + gaps + missing),
            "entries",
            "entries registered",
            float(result.entries),
            target="0",
            met=sound,
        ),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=SECONDS, help="length of the run (default %(default)s)"
    )
    args = parser.parse_args(argv)
    figures = run(args.seconds)
    for f in figures:
        verdict = "" if f.met is None else ("  [target met]" if f.met else "  [TARGET MISSED]")
        target = f"  target: {f.target}" if f.target else ""
        print(
            f"   {f.name}: {f.value:.4g} {f.unit}  | {f.reference_name}: {f.reference:.4g} {f.unit}"
            f"  | ratio {f.ratio:.2f}{target}{verdict}"
        )
    return 0 if all(f.met is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
