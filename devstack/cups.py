"""A private cupsd with test queues, for tests, benchmarks and demos: `with running() as cups: ...`.

Everything lives in a temp folder (ServerRoot, spool, cache, state, logs, and a private ServerBin whose
backend folder holds our fault-injecting backend); cupsd listens on a socket file there and on a free
loopback port, runs as root with `User lp` (it refuses to run its filters as root), and is stopped and
deleted on exit whatever happens. Point pycups or the CUPS tools at it with `info.server` (as
`CUPS_SERVER`, `cups.setServer()` or `cups.Connection(host=...)`).

Queues:
- `file_queue`: `file:` device with the Generic PDF PPD; each job's output lands in `file_output`.
  Debian's cupsd opens a `file:` device's path with O_WRONLY|O_EXCL only (seen with strace on 2.4.2-3
  +deb12u10): no O_CREAT, no O_TRUNC. A deleted output file is never created again (the job stops:
  "the scheduler could not open the output file"), whoever owns its folder; and a job written over an
  older, longer output leaves that output's tail behind. So never delete `file_output`: empty it with
  `clear_file_output()` before each job whose output you read (`reset_file_queue()` also cancels
  what is left on the queue). `running()` prints one page on this queue and reads it back before it
  hands the stack over, and fails at once with the error_log's tail if that page does not come out.
- `pdf_queue`: cups-pdf, writing into `pdf_output_dir` (its config must live in /etc/cups: a file named
  after this run's unique queue, removed on exit). Slow (~1 s) and loses embedded TrueType text:
  use it only to see that a page came out.
- fault queues (`make_fault_queue()`): our `ovacfault` backend, whose behaviour a test changes while
  a job runs (`FaultQueue.set("media-empty")`, then `"ok"`): see `FAULT_BEHAVIOURS`.

Needs root and Debian's cups-daemon, cups-client, cups-filters, printer-driver-cups-pdf, poppler-utils
(the self-check reads its page back with pdftotext).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from devstack.ports import free_port

CUPSD = Path("/usr/sbin/cupsd")
SYSTEM_SERVERBIN = Path("/usr/lib/cups")
GENERIC_PDF_PPD = Path("/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd")
CUPS_PDF_CONFIG_DIR = Path("/etc/cups")

#: What a fault queue's backend does with a job, set per queue while it runs:
#: ok: print (clearing any fault it reported); media-empty / media-jam / offline: report that printer
#: state (`STATE: +media-empty-error` ...) and hold the job until set back to ok; stop: exit 4, which
#: stops the queue; fail: exit 1 (with printer-error-policy=abort-job the job ends aborted); hang: hold
#: the job forever, reporting nothing (a printer that never answers).
FAULT_BEHAVIOURS = ("ok", "media-empty", "media-jam", "offline", "stop", "fail", "hang")

_FAULT_BACKEND = r"""#!/bin/sh
# ovacfault: the OVAC test suite's fault-injecting CUPS backend (devstack/cups.py). Runs as root
# (mode 0700), reads what to do from @CONTROL@/<queue>, which tests change while the job waits.
if [ $# -eq 0 ]; then
    echo 'direct ovacfault "Unknown" "OVAC fault-injecting test printer"'
    exit 0
fi
name="${DEVICE_URI#ovacfault:}"
name="${name#//}"
name="${name#/}"
ctl="@CONTROL@/$name"
if [ -n "$6" ]; then cat "$6" > "$ctl.out"; else cat > "$ctl.out"; fi
shown=""
while :; do
    want=$(cat "$ctl" 2>/dev/null || echo ok)
    if [ "$want" != "$shown" ]; then
        case "$shown" in
            media-empty) echo "STATE: -media-empty-error" >&2 ;;
            media-jam) echo "STATE: -media-jam-error" >&2 ;;
            offline) echo "STATE: -offline-report" >&2 ;;
        esac
        case "$want" in
            ok) echo "INFO: Printed" >&2; exit 0 ;;
            media-empty) echo "STATE: +media-empty-error" >&2; echo "INFO: Out of paper" >&2 ;;
            media-jam) echo "STATE: +media-jam-error" >&2; echo "INFO: Paper jam" >&2 ;;
            offline) echo "STATE: +offline-report" >&2; echo "INFO: Printer is offline" >&2 ;;
            stop) echo "ERROR: test backend stops the queue" >&2; exit 4 ;;
            fail) echo "ERROR: test backend fails the job" >&2; exit 1 ;;
            hang) echo "INFO: Waiting for the printer" >&2 ;;
        esac
        shown="$want"
    fi
    sleep 0.05
done
"""


class CupsError(RuntimeError):
    """The private cupsd could not be started or configured."""


#: IPP job-state values (RFC 8011 5.3.7).
_JOB_STOPPED, _JOB_CANCELED, _JOB_ABORTED, _JOB_COMPLETED = 6, 7, 8, 9


@dataclass
class FaultQueue:
    """A queue on the `ovacfault` backend; `set()` changes what its backend does, even mid-job."""

    name: str
    control: Path
    error_policy: str

    def set(self, behaviour: str) -> None:
        if behaviour not in FAULT_BEHAVIOURS:
            raise ValueError(f"unknown fault behaviour {behaviour!r}")
        tmp = self.control.with_suffix(".tmp")
        tmp.write_text(behaviour)
        tmp.replace(self.control)  # the backend polls it: never let it read half a word

    @property
    def output(self) -> Path:
        """What the backend received for its last job."""
        return self.control.with_name(self.control.name + ".out")


@dataclass
class CupsInfo:
    root: Path
    #: The socket path: CUPS_SERVER, `cups.setServer(server)`, `cups.Connection(host=server)`.
    server: str
    port: int
    file_queue: str
    file_output: Path
    pdf_queue: str
    pdf_output_dir: Path
    fault_queue: str
    log: Path
    _faults: dict[str, FaultQueue] = field(default_factory=dict, repr=False)
    _pdf_config: Path | None = field(default=None, repr=False)

    @property
    def env(self) -> dict[str, str]:
        """Environment for the CUPS command-line tools (lp, lpstat, lpadmin) aimed at this cupsd."""
        return {**os.environ, "CUPS_SERVER": self.server}

    def lpadmin(self, *args: str) -> None:
        _run(["lpadmin", *args], self.env)

    def clear_file_output(self) -> None:
        """Empty the file: queue's output file, creating it if someone deleted it (cupsd never does)."""
        fd = os.open(self.file_output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        try:
            os.fchmod(fd, 0o644)  # whatever the umask: tests read it, cupsd (root) writes it
        finally:
            os.close(fd)

    def reset_file_queue(self, timeout: float = 10.0) -> None:
        """The file: queue as new: no job left on it (a stopped or unfinished job is cancelled and waited
        for, so that nothing writes into the output afterwards), enabled, accepting, its output empty."""
        import cups as pycups

        conn = pycups.Connection(host=self.server)
        # pycups leaves out a job whose attributes do not include its job-id
        left = conn.getJobs(which_jobs="not-completed", requested_attributes=["job-id", "job-printer-uri"])
        mine = [job for job, attrs in left.items()
                if str(attrs.get("job-printer-uri", "")).endswith("/" + self.file_queue)]  # fmt: skip
        for job in mine:
            with contextlib.suppress(pycups.IPPError):
                conn.cancelJob(job)
        deadline = time.monotonic() + timeout
        while any(int(conn.getJobAttributes(job)["job-state"]) < _JOB_CANCELED for job in mine):
            if time.monotonic() > deadline:
                raise CupsError(f"jobs {mine} on {self.file_queue} did not end: {_tail(self.log)}")
            time.sleep(0.02)
        conn.enablePrinter(self.file_queue)
        conn.acceptJobs(self.file_queue)
        self.clear_file_output()

    def fault(self, name: str | None = None) -> FaultQueue:
        """The fault queue `name` (default: `fault_queue`)."""
        return self._faults[name or self.fault_queue]

    def make_fault_queue(self, behaviour: str = "ok", *, error_policy: str = "abort-job") -> FaultQueue:
        """A new queue on the fault backend, set to `behaviour`, accepting and enabled."""
        name = f"fault_{len(self._faults)}_{secrets.token_hex(2)}"
        queue = FaultQueue(name, self.root / "faults" / name, error_policy)
        queue.set(behaviour)
        self.lpadmin("-p", name, "-E", "-v", f"ovacfault:/{name}", "-m", "raw",
                     "-o", f"printer-error-policy={error_policy}")  # fmt: skip
        self._faults[name] = queue
        return queue

    def stop(self) -> None:
        """Stop cupsd without cleaning up (to test "CUPS unreachable"); `running()` still cleans up."""
        pid_file = self.root / "cupsd.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), 15)


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise CupsError(f"{' '.join(args[:3])} failed: {done.stderr.strip() or done.stdout.strip()}")


def _serverbin(root: Path, control: Path) -> Path:
    """A ServerBin like the system's, with our fault backend added to a private backend folder."""
    serverbin = root / "serverbin"
    serverbin.mkdir()
    for sub in SYSTEM_SERVERBIN.iterdir():
        if sub.name != "backend":
            (serverbin / sub.name).symlink_to(sub)
    backends = serverbin / "backend"
    backends.mkdir()
    for backend in (SYSTEM_SERVERBIN / "backend").iterdir():
        (backends / backend.name).symlink_to(backend)
    fault = backends / "ovacfault"
    fault.write_text(_FAULT_BACKEND.replace("@CONTROL@", str(control)))
    fault.chmod(0o700)  # 0700: cupsd runs the backend as root, like the real device backends
    # Filters run as lp and are reached through these folders: 0755 whatever the umask (under umask 077
    # every job ended "Filter failed", execv: Permission denied).
    serverbin.chmod(0o755)
    backends.chmod(0o755)
    return serverbin


def _unreachable_by_lp(path: Path) -> Path | None:
    """The first folder on the way to `path` that lp (cupsd's filters) cannot pass through, if any."""
    user = pwd.getpwnam("lp")
    groups = set(os.getgrouplist(user.pw_name, user.pw_gid))
    for folder in [*reversed(path.parents), path]:
        info = folder.stat()
        if info.st_uid == user.pw_uid:
            bit = stat.S_IXUSR
        elif info.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return folder
    return None


def _write_config(root: Path, socket_path: Path, port: int, serverbin: Path) -> tuple[Path, Path]:
    etc = root / "etc"
    for sub in ("etc/ppd", "spool/tmp", "cache", "state", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    files_conf = etc / "cups-files.conf"
    files_conf.write_text(
        "\n".join(
            [
                "User lp",
                "Group lp",
                "SystemGroup root",
                f"ServerRoot {etc}",
                f"RequestRoot {root / 'spool'}",
                f"TempDir {root / 'spool' / 'tmp'}",
                f"CacheDir {root / 'cache'}",
                f"StateDir {root / 'state'}",
                f"ServerBin {serverbin}",
                f"AccessLog {root / 'log' / 'access_log'}",
                f"ErrorLog {root / 'log' / 'error_log'}",
                f"PageLog {root / 'log' / 'page_log'}",
                "FileDevice Yes",
                "Sandboxing Relaxed",
                "",
            ]
        )
    )
    conf = etc / "cupsd.conf"
    conf.write_text(
        "\n".join(
            [
                f"Listen {socket_path}",
                f"Listen 127.0.0.1:{port}",
                "LogLevel info",
                "MaxLogSize 0",
                "Browsing No",
                "BrowseLocalProtocols none",
                "WebInterface No",
                "DefaultAuthType None",
                "PreserveJobFiles No",
                "PreserveJobHistory Yes",
                "JobRetryInterval 1",
                # Tests and the demo administer this cupsd without logging in: it is only reachable
                # through its private socket and loopback.
                "<Location />",
                "  Order allow,deny",
                "  Allow all",
                "</Location>",
                "<Policy default>",
                "  <Limit All>",
                "    Order deny,allow",
                "    Allow all",
                "  </Limit>",
                "</Policy>",
                "",
            ]
        )
    )
    return conf, files_conf


@contextlib.contextmanager
def running(*, with_pdf_queue: bool = True, parent: Path | None = None) -> Iterator[CupsInfo]:
    """Start a private cupsd with the test queues; stop it and delete everything on exit."""
    if not CUPSD.exists():
        raise CupsError("cupsd is not installed (Debian package cups-daemon)")
    root = Path(tempfile.mkdtemp(prefix="ovac-cups-", dir=parent))
    root.chmod(0o755)  # cupsd's filters run as lp and must reach the spool and temp folders
    blocked = _unreachable_by_lp(root)
    if blocked is not None:
        shutil.rmtree(root, ignore_errors=True)
        raise CupsError(f"cupsd's filters (user lp) cannot pass through {blocked}: choose another parent")
    process: subprocess.Popen[bytes] | None = None
    pdf_config: Path | None = None
    try:
        control = root / "faults"
        control.mkdir()
        socket_path = root / "cups.sock"
        port = free_port()
        serverbin = _serverbin(root, control)
        conf, files_conf = _write_config(root, socket_path, port, serverbin)
        log = root / "log" / "error_log"
        stdout = (root / "log" / "cupsd.out").open("wb")
        process = subprocess.Popen(
            [str(CUPSD), "-f", "-c", str(conf), "-s", str(files_conf)],
            stdout=stdout,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stdout.close()
        (root / "cupsd.pid").write_text(str(process.pid))
        deadline = time.monotonic() + 15
        while not socket_path.exists():
            if process.poll() is not None:
                raise CupsError(f"cupsd exited at start: {_tail(root / 'log' / 'cupsd.out')} {_tail(log)}")
            if time.monotonic() > deadline:
                raise CupsError("cupsd did not open its socket within 15 s")
            time.sleep(0.02)
        # The port was free when chosen, not necessarily when cupsd bound it: say so now, not in a test.
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        except OSError as exc:
            raise CupsError(f"cupsd does not listen on 127.0.0.1:{port} ({exc}): {_tail(log)}") from None
        token = secrets.token_hex(3)
        info = CupsInfo(
            root=root,
            server=str(socket_path),
            port=port,
            file_queue=f"ovac_file_{token}",
            file_output=root / "file-output.pdf",
            pdf_queue=f"ovac_pdf_{token}",
            pdf_output_dir=root / "cups-pdf",
            fault_queue="",
            log=log,
        )
        info.clear_file_output()
        info.lpadmin(
            "-p", info.file_queue, "-E", "-v", f"file://{info.file_output}", "-P", str(GENERIC_PDF_PPD)
        )
        if with_pdf_queue and (SYSTEM_SERVERBIN / "backend" / "cups-pdf").exists():
            info.pdf_output_dir.mkdir(mode=0o777)
            info.pdf_output_dir.chmod(0o777)
            pdf_config = CUPS_PDF_CONFIG_DIR / f"cups-pdf-{info.pdf_queue}.conf"
            pdf_config.write_text(
                f"Out {info.pdf_output_dir}\nAnonDirName {info.pdf_output_dir}\nLabel 1\nTitlePref 1\n"
            )
            info._pdf_config = pdf_config
            info.lpadmin(
                "-p", info.pdf_queue, "-E", "-v", f"cups-pdf:/{info.pdf_queue}", "-P", str(CUPS_PDF_PPD)
            )
        info.fault_queue = info.make_fault_queue("ok").name
        self_check(info)
        yield info
    finally:
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)
        if pdf_config is not None:
            pdf_config.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)


def self_check(info: CupsInfo, timeout: float = 20.0) -> float:
    """Print one page on the file: queue and read it back; the seconds it took. Raises CupsError at once
    (with the error_log's tail) when the job stops, is cancelled or aborted, or the page reads wrong."""
    import cups as pycups

    started = time.monotonic()
    token = f"OVAC-SELF-CHECK-{secrets.token_hex(4).upper()}"
    page = info.root / "self-check.pdf"
    page.write_bytes(one_page_pdf(token))
    info.clear_file_output()
    conn = pycups.Connection(host=info.server)
    job = conn.printFile(info.file_queue, str(page), "self-check", {})
    deadline = started + timeout
    while (state := int(conn.getJobAttributes(job)["job-state"])) != _JOB_COMPLETED:
        if state in (_JOB_STOPPED, _JOB_CANCELED, _JOB_ABORTED) or time.monotonic() > deadline:
            with contextlib.suppress(pycups.IPPError):
                conn.cancelJob(job)
            raise CupsError(
                f"the file: queue's self-check job {job} ended in state {state} instead of printing; "
                f"error_log: {_tail(info.log, 12)}"
            )
        time.sleep(0.02)
    read = _pdf_text(info.file_output)
    if token not in read:
        raise CupsError(f"the file: queue's self-check page read back as {read[:200]!r}, not {token}")
    info.clear_file_output()
    page.unlink()
    return time.monotonic() - started


def one_page_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII) in Helvetica: the self-check's document."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf_text(path: Path) -> str:
    """The text of a PDF, with poppler's pdftotext (Debian's poppler-utils)."""
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, timeout=30)
    if done.returncode != 0:
        raise CupsError(f"pdftotext could not read {path}: {done.stderr.decode(errors='replace')[:300]}")
    return done.stdout.decode(errors="replace")


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


if __name__ == "__main__":  # a quick look: `python -m devstack.cups`
    with running() as cups:
        print(cups)
        subprocess.run(["lpstat", "-t"], env=cups.env, check=False)
