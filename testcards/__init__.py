"""The virtual test cards of the demo, workshops and tests: test PKI and citizens, SoftHSM2 tokens that
count PIN tries (`tokens`, a card provider beside `eid.token.Pkcs11Tokens`), the vpcd cards and the daemon
that holds them, and `kiosk testcard`. Never imported by eid/ (import-linter keeps it so); the kiosk takes
it only for `[eid] cards = "test"` in training mode (`kiosk.cli.card_provider`)."""
