"""The local, real services that the demo, the training room and the tests run on.

Each module starts one service as a context manager and stops it, whatever happens:
`backend` (the reference municipal server on loopback), `postgres` (a private PostgreSQL cluster),
`pcsc` (pcscd with the vpcd virtual reader, and the test cards), `cups` (a private cupsd with test
queues). `python -m devstack demo` starts what the demo needs and runs the kiosk in front of it.
Never imports the UI.
"""
