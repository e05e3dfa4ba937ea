"""Pagament de rebuts i multes: the city's pending bills (rebuts), their AEB Cuaderno 60 payment
documents, and the banks' collections files that say a bill was paid (`municipal.payments.cuaderno60`)."""
