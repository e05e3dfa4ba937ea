"""Documents rendered with fpdf2 and printers (CUPS through pycups, a PDF folder). No UI.

- `document_from_payload(payload)` -> a typed document (`contract.documents`), from the backend's JSON.
- `render(document, training=...)` -> PDF bytes; `Renderer` keeps the fonts parsed between documents.
- `printer_from_settings(kind, name, cups_server, folder, timeout_seconds)` -> a `Printer`, whose
  `submit(pdf_path, title)` blocks until the job ends and returns a `PrintOutcome`.
"""

from contract.documents import (
    BustiaReceipt,
    DeixalleriaSummary,
    Document,
    DocumentError,
    InstanciaReceipt,
    PadroDocument,
    document_from_payload,
)
from printing.printers import (
    CupsPrinter,
    FolderPrinter,
    Printer,
    PrintOutcome,
    PrintProgress,
    PrintStatus,
    printer_from_settings,
)
from printing.render import Renderer, document_title, render

__all__ = [
    "BustiaReceipt",
    "CupsPrinter",
    "DeixalleriaSummary",
    "Document",
    "DocumentError",
    "FolderPrinter",
    "InstanciaReceipt",
    "PadroDocument",
    "PrintOutcome",
    "PrintProgress",
    "PrintStatus",
    "Printer",
    "Renderer",
    "document_from_payload",
    "document_title",
    "printer_from_settings",
    "render",
]
