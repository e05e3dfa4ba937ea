"""Printing: warm rendering of a volant col·lectiu (6 people, QR) against plain fpdf2 fonts; CUPS jobs.

- Rendering, median of 50 warm renders with the shipped pre-subset fonts parsed once per process,
  against the same document rendered the naive way: DejaVu loaded from Debian's full TTFs and subset
  by fpdf2 for every document. Target: at most 50 ms, and at least 4x faster than naive.
- Submit -> completed on a private cupsd's `file:` queue (Generic PDF), median of 10, through
  `CupsPrinter` (job and printer state followed to the end), against bare pycups (printFile, then
  polling the job every 5 ms): what our job tracking costs on top of CUPS itself.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks import Figure, median_ms

DEBIAN_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def rendering() -> Figure:
    from contract.documents import document_from_payload
    from printing import samples
    from printing.render import Renderer

    document = document_from_payload(samples.padro("volant_collectiu", 6))
    cached = Renderer()
    naive = Renderer(
        {"": DEBIAN_FONTS / "DejaVuSans.ttf", "B": DEBIAN_FONTS / "DejaVuSans-Bold.ttf"}, cache_fonts=False
    )
    cached.render(document)  # warm: fonts parsed, modules imported
    naive.render(document)
    value = median_ms(lambda: cached.render(document), 50)
    reference = median_ms(lambda: naive.render(document), 50)
    return Figure(
        name="render volant col·lectiu (6 people, QR), warm, median of 50",
        value=value,
        unit="ms",
        reference_name="naive (full TTFs parsed and subset per document)",
        reference=reference,
        target="<= 50 ms and >= 4x faster than naive",
        met=value <= 50 and reference / value >= 4,
    )


def cups_jobs() -> Figure:
    import cups

    from contract.documents import document_from_payload
    from devstack.cups import running
    from printing import samples
    from printing.printers import CupsPrinter, PrintStatus
    from printing.render import render

    with tempfile.TemporaryDirectory() as tmp, running(with_pdf_queue=False) as stack:
        pdf = Path(tmp) / "volant.pdf"
        pdf.write_bytes(render(document_from_payload(samples.padro("volant_collectiu", 6))))
        printer = CupsPrinter(stack.file_queue, stack.server, timeout_seconds=30)

        def ours() -> None:
            outcome = printer.submit(pdf, "Volant")
            assert outcome.status is PrintStatus.PRINTED, outcome.detail

        def bare() -> None:
            cups.setServer(stack.server)
            conn = cups.Connection()
            job = conn.printFile(stack.file_queue, str(pdf), "Volant", {})
            while conn.getJobAttributes(job, requested_attributes=["job-state"])["job-state"] < 7:
                time.sleep(0.005)

        ours()
        bare()
        value = median_ms(ours, 10)
        reference = median_ms(bare, 10)
    return Figure(
        name="submit -> completed, file: queue (CupsPrinter), median of 10",
        value=value,
        unit="ms",
        reference_name="bare pycups printFile + 5 ms polling",
        reference=reference,
    )


def run() -> list[Figure]:
    return [rendering(), cups_jobs()]
