"""Documents rendered with fpdf2 and printers (CUPS through pycups, a PDF folder). No UI."""
