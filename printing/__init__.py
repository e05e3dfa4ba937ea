"""Documents rendered with fpdf2 and printers (CUPS through pycups, a PDF folder). No UI.

- `printing.render`: `render(document, training=...)` -> PDF bytes; `Renderer` keeps the fonts parsed
  between documents (the documents themselves are `contract.documents`).
- `printing.printers`: `printer_from_settings(kind, name, cups_server, folder, timeout_seconds)` -> a
  `Printer`, whose `submit(pdf_path, title)` blocks until the job ends and returns a `PrintOutcome`.

The package re-exports nothing: the kiosk builds its printer at start, and importing the printers must
not load fpdf2, fontTools and Pillow, which only the first document needs.
"""
