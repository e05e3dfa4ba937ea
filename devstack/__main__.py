"""`python -m devstack demo [--config PATH]`: the demo of `make demo`, everything local and real.

Starts pcscd with the virtual reader and the test cards, the reference backend on the loopback address
and port of the config's `[backend] url` (SQLite, fresh demo data, the test CA as trust anchor, the
kiosk of `[kiosk] id` registered with `[backend] kiosk_key`), the outbox's mail server and SMS sink,
then runs the kiosk in this terminal. In training mode it says how to identify "with the phone" through
the backend's identity-provider simulator (the SMS code is read from the sink's folder) and, at a
terminal, waits for Enter before the kiosk takes the screen. `python -m devstack sms` prints the newest
SMS the sink received (the simulator's one-time code). When the kiosk exits (staff menu → Exit),
everything it started is stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from devstack import backend, pcsc, smssink, smtp

STATE = Path(".stack") / "demo"
SMS_FOLDER = STATE / "outbox" / "sms"


def demo(config_path: Path) -> int:
    config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    url = urlsplit(config["backend"]["url"])
    if url.hostname not in {"127.0.0.1", "localhost"}:
        print(f"devstack: the demo runs the backend on loopback; {config_path} points at {url.hostname}")
        return 2
    training = config["kiosk"].get("mode", "production") == "training"
    STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
    print("Starting the demo stack: pcscd + virtual reader + test cards, reference backend…", flush=True)
    with ExitStack() as stack:
        cards = stack.enter_context(pcsc.running(announce=True))
        # The outbox's mail server and SMS gateway: what the backend sends lands in .stack/demo/outbox/.
        mail = stack.enter_context(smtp.running(STATE / "outbox" / "email"))
        sms = stack.enter_context(smssink.running(SMS_FOLDER))
        os.environ["MUNICIPAL_OUTBOX_CONFIG"] = str(_outbox_config(mail, sms))
        server = stack.enter_context(
            backend.running(
                trust_anchors=cards.cards.ca_dir,
                crls=cards.cards.crl_dir,
                port=url.port or 80,
                training=training,
                kiosk_id=config["kiosk"]["id"],
                kiosk_key=config["backend"]["kiosk_key"],
                log_path=STATE / "backend.log",
            )
        )
        print(f"Backend: {server.url} (log: {STATE / 'backend.log'})")
        print(f"Emails and SMS sent to citizens: {mail.folder}/*.eml, {sms.folder}/*.json")
        printer = config.get("printer", {})
        if printer.get("kind") == "folder":
            print(f"Printed documents (PDF): {printer.get('folder')}/ (`ls -t` there, newest first)")
        print("Test cards, from another terminal: `.venv/bin/kiosk testcard list`, `insert NAME`, `remove`")
        print("  (or from the staff menu: Ctrl+F12 or F12 three times; demo staff PIN 24681357).")
        if training:
            _print_phone_path(server.url)
        _print_speech()
        _wait_for_enter()
        env = {**os.environ, **cards.env}
        result = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config_path)], env=env)
        return result.returncode


def _print_phone_path(base: str) -> None:
    """How a trainer identifies "with the phone" at the demo: the identity-provider SIMULATOR (training
    only) stands for idCAT Mòbil / Cl@ve, and its one-time code goes to the SMS sink's folder. The
    kiosk's labels as it shows them (Catalan first); the whole walk, with curl too: docs/demo-phone.md."""
    print("Identification with the phone (SIMULATOR of idCAT Mòbil / Cl@ve; docs/demo-phone.md):")
    print("  1. At the kiosk: Començar, a volant (Volant d'empadronament individual), Comença,")
    print('     then "Amb el mòbil (idCAT Mòbil / Cl@ve)": a QR code, an address, a code (ABCD-EFGH).')
    print(f"  2. In a browser on this machine open {base}/handoff and type the code")
    print(f"     (or open {base}/handoff?code=ABCDEFGH, the code without its dash).")
    print("  3. Choose a test identity: CARMEN ESPAÑOLA ESPAÑOLA (12345678Z) is in the padró.")
    print("  4. The SMS code (good for 60 s), in another terminal here: .venv/bin/python -m devstack sms")
    print("  5. Type it and send: the kiosk goes on by itself (within 5 s) to the volant; Següent,")
    print("     Següent, Enviar, Imprimir.")


def _wait_for_enter() -> None:
    """The kiosk takes the whole terminal (its alternate screen) and hides what was printed above:
    at a terminal, the trainer reads it first and starts the kiosk with Enter."""
    if not sys.stdin.isatty():
        return
    try:
        input("Press Enter to start the kiosk (these steps are also in docs/demo-phone.md)… ")
    except EOFError:
        pass


def _print_speech() -> None:
    """How to hear the kiosk speak (espeak-ng, on this machine's default audio output)."""
    print('Speech: on the attract screen touch "Escolteu · Escuchar · Listen" (or Tab to it and Enter, or')
    print("  F1 anywhere): each screen is read aloud on this machine's default audio output (speakers or")
    print("  headphones), then each control as the focus moves. F7 repeats, F3 stops, F4/F5 volume, F6 reads")
    print('  your own data. Nothing heard? Try `espeak-ng "prova"` in a shell (no sound card: silent).')


def print_sms(folder: Path, count: int) -> int:
    """The newest `count` SMS of the sink's folder, oldest first, one line each: when, to whom, the text.
    The files are named by the gateway's reference, not by time: `ls` order says nothing."""
    found = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime)
    if not found:
        print(f"No SMS in {folder}/ yet (is `make demo` running in this folder?).")
        return 1
    for path in found[-max(1, count) :]:
        message = json.loads(path.read_text(encoding="utf-8"))
        when = time.strftime("%H:%M:%S", time.localtime(path.stat().st_mtime))
        print(f"{when}  to {message.get('to', '?')}: {message.get('text', '')}")
    return 0


def _outbox_config(mail: smtp.SmtpServer, sms: smssink.SmsSink) -> Path:
    path = STATE / "outbox.toml"
    path.write_text(
        f'[outbox]\ninterval_seconds = 1\n[smtp]\nhost = "{mail.host}"\nport = {mail.port}\n'
        f'[sms]\nurl = "{sms.url}"\n',
        encoding="utf-8",
    )
    return path


def _exit_on_signal(signum: int, _frame: object) -> None:
    # A closed terminal (SIGHUP) or a `kill` (SIGTERM) still stops every service the demo started.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    parser = argparse.ArgumentParser(prog="python -m devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    run_demo = sub.add_parser("demo", help="start the local stack and the kiosk in front of it")
    run_demo.add_argument("--config", type=Path, default=Path("config.toml"))
    show_sms = sub.add_parser("sms", help="print the newest SMS the demo's SMS sink received")
    show_sms.add_argument("--count", type=int, default=1, help="how many, newest last (default 1)")
    show_sms.add_argument("--folder", type=Path, default=SMS_FOLDER)
    args = parser.parse_args(argv)
    if args.command == "sms":
        return print_sms(args.folder, args.count)
    return demo(args.config)


if __name__ == "__main__":
    sys.exit(main())
