"""`python -m devstack demo [--config PATH]`: the demo of `make demo`, everything local and real.

Starts pcscd with the virtual reader and the test cards, the reference backend on the loopback address
and port of the config's `[backend] url` (SQLite, fresh demo data, the test CA as trust anchor, the
kiosk of `[kiosk] id` registered with `[backend] kiosk_key`), the outbox's mail server and SMS sink,
then runs the kiosk in this terminal. In training mode it says how to identify "with the phone" through
the backend's identity-provider simulator (the SMS code is read from the sink's folder).
When the kiosk exits (staff menu → Exit), everything it started is stopped.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tomllib
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from devstack import backend, pcsc, smssink, smtp

STATE = Path(".stack") / "demo"


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
        sms = stack.enter_context(smssink.running(STATE / "outbox" / "sms"))
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
        print("Test cards, from another terminal: `.venv/bin/kiosk testcard list`, `insert NAME`, `remove`")
        if training:
            _print_phone_path(server.url, sms.folder)
        print("(or from the staff menu: Ctrl+F12 or F12 three times; demo staff PIN 24681357).")
        env = {**os.environ, **cards.env}
        result = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config_path)], env=env)
        return result.returncode


def _print_phone_path(base: str, sms_folder: Path) -> None:
    """How a trainer identifies "with the phone" at the demo: the identity-provider SIMULATOR (training
    only) stands for idCAT Mòbil / Cl@ve, and its one-time code goes to the SMS sink's folder."""
    print("Identification with the phone (SIMULATOR of idCAT Mòbil / Cl@ve, training only):")
    print('  1. At the kiosk choose a volant, then "Use your phone (idCAT Mòbil / Cl@ve)".')
    print(f"  2. Open the address under the QR code ({base}/handoff?code=...) in a browser on this")
    print(f"     machine, or type the code shown at {base}/handoff. It leads to {base}/idp-sim/.")
    print("  3. Choose a test identity (CARMEN ESPAÑOLA ESPAÑOLA, 12345678Z, is in the padró).")
    print(f"  4. The SMS code: the newest file in {sms_folder}/ (`cat {sms_folder}/*.json`).")
    print("  5. Enter it: the kiosk goes on by itself to the volant, which prints.")


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
    args = parser.parse_args(argv)
    return demo(args.config)


if __name__ == "__main__":
    sys.exit(main())
