"""The instància's attachments: what is on the citizen's USB stick, which files can be sent, and a private
copy of each chosen file in the session's temp folder.

- Only the configured mount roots are listed. Nothing outside them is ever shown or read: symbolic links
  are followed only when their target is a regular file inside the same root, linked folders are not
  entered, and hidden entries are skipped. The picker works with the keys of what `scan` returned, never
  with a path the citizen could type.
- Each file is checked as the registry (EACAT) and the backend check it (the contract's rules and limits,
  `contract.attachments`, `contract.limits`): PDF, JPEG or PNG by content (not by name), at most 10 MB, a
  name of at most 80 characters, without `..`, that the receipt can print; at most 10 files and 100 MB
  together. A name (of the file or of any folder above it) with a control or invisible format character
  (ESC, bidi overrides, zero-width characters, undecodable bytes) is refused with a message asking to
  rename it; it is still listed, shown through `widgets.plain`, so the citizen sees why.
  Markup-looking characters (`[`, `]`, `@`, `=`) are ordinary characters of a name: they are allowed and
  every screen shows them as they are.
- A stick is hostile ground: one scan reads at most `SCAN_MAX_ENTRIES` directory entries in all, so a
  folder of 100,000 entries costs what a folder of 2,000 does, and the citizen is told that only part of
  the stick is shown; an entry that cannot be read (a symbolic link loop, an I/O error) is skipped
  alone; two scans never run at once (`scan_if_idle` skips a rescan while one is running).
- A chosen file is copied into the session's temp folder at once and checked again while it is copied:
  what is uploaded is exactly what was checked, and pulling the stick out afterwards (even during the
  upload) changes nothing. The copies go with the session's temp folder when the session ends. The copy
  walks from the mount root one folder at a time (directory descriptors, `O_NOFOLLOW`), so a folder
  swapped for a link after the listing cannot lead out of the stick, and opens the file with
  `O_NONBLOCK` and checks it on the descriptor, so a file swapped for a FIFO or a device never blocks
  the copy: either is refused as "changed since it was listed". A file that changes while it is copied
  (its size or times differ before and after) is refused the same way, and nothing of it is kept.
- What a scan cannot offer is still accounted for: a FIFO, a device node, a symbolic link loop or a link
  out of the stick is never listed nor read (its target is never resolved into a candidate), but the
  listing counts them (`Listing.skipped`) and the citizen is told that such items are not shown. A file
  the kiosk user may not read is listed with that reason, not as "not a PDF".
- Once the citizen is told to take the stick, `eject` runs the configured command (udiskie-umount
  --detach on a real kiosk) for each stick mount the scans listed files from (`StickScanner.take_mounts`):
  the mount point as one argument, no shell, a timeout, in its own process group; a failure is logged.

Plain functions (file system only, no Textual): the attachments screen runs them in thread workers.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import logging
import os
import signal
import stat
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from contract.attachments import HEAD_BYTES, attachment_name_problem, sniff
from contract.limits import ATTACHMENT_NAME_MAX as MAX_NAME
from contract.limits import MAX_FILE_BYTES, MAX_FILES, MB
from kiosk.i18n import N_
from kiosk.procedures.validation import PRINTABLE, Issue, is_control, is_emoji

log = logging.getLogger(__name__)

__all__ = ["MAX_FILE_BYTES", "MAX_FILES", "MAX_NAME"]  # the contract's, for the instància's screens
MAX_TOTAL_BYTES = MAX_FILES * MAX_FILE_BYTES
#: How deep and how much of a stick is listed: enough for any citizen's folder, bounded for a huge disk.
SCAN_MAX_DEPTH = 4
SCAN_MAX_FILES = 400
#: Directory entries one scan reads, over all sticks (files, folders, hidden and skipped ones alike).
#: A scan costs about as much as the entries it reads: reading 2,000 takes ~10 ms on a tmpfs, while
#: listing a folder of 100,000 (all of it read, then sorted) took 0.5 s there and 3-9 s on a USB stick.
SCAN_MAX_ENTRIES = 2000
_HEAD = HEAD_BYTES
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
#: O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; O_NOCTTY: a terminal device on
#: the stick must not become the kiosk's controlling terminal. Neither changes how a regular file reads.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_SKIPPED = ("System Volume Information", "$RECYCLE.BIN")


def check_name(name: str) -> Issue | None:
    """What the backend refuses in a name (`contract.attachments.attachment_name_problem`), told to the
    citizen; and characters the receipt cannot print."""
    problem = attachment_name_problem(name)
    if problem == "length":
        return Issue(N_("Name too long ({length} characters, at most {limit}): rename the file."),
                     {"length": len(name), "limit": MAX_NAME})  # fmt: skip
    if problem == "control or invisible character" or any(c in "/\\" for c in name):
        return Issue(N_("The name has invisible characters: rename the file."))
    if problem == "path":
        return Issue(N_('The name has two dots in a row (".."), which the registry does not accept: '
                        "rename the file."))  # fmt: skip
    if problem is not None:
        return Issue(N_("The name is only dots and spaces: rename the file."))
    if any(is_emoji(c) or ord(c) not in PRINTABLE for c in name):
        return Issue(N_("The name has characters the receipt cannot print: rename the file."))
    return None


def check_folder_name(name: str) -> Issue | None:
    """A folder's name is not sent nor printed, but it is shown: the same invisible characters are refused."""
    if any(is_control(c) for c in name):
        return Issue(N_("The name of the folder has invisible characters: rename the folder."))
    return None


NOT_A_DOCUMENT = N_(
    "This file is not a PDF, JPEG or PNG (the kiosk checks its content, not its name). Choose another file, "
    "or bring it on paper."
)


def check_content(size: int, head: bytes) -> Issue | None:
    if size == 0:
        return Issue(N_("The file is empty. Choose another file."))
    if size > MAX_FILE_BYTES:
        return _too_big(size)
    if sniff(head, whole=False) is None:
        return Issue(NOT_A_DOCUMENT)
    return None


def _too_big(size: int) -> Issue:
    return Issue(N_("Too big ({size}); at most {limit} per file. Make it smaller, or bring it on paper."),
                 {"size": human_size(size), "limit": human_size(MAX_FILE_BYTES)})  # fmt: skip


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < MB:
        return f"{size / 1024:.0f} KB"
    if size < 1024 * MB:
        return f"{size / MB:.1f} MB"
    return f"{size / (1024 * MB):.1f} GB"


@dataclass(frozen=True)
class Candidate:
    """A file found on a stick, with the reason it cannot be attached (None = it can)."""

    key: str
    """Where it is, relative to the mount root (`USB_DISK/scans/dni.pdf`): shown, and used as its id."""
    path: Path
    name: str
    size: int
    refusal: Issue | None
    root: Path | None = None
    """The mount root it was found under (resolved); `path` is inside it. The copy walks from here."""


#: Why a listing is incomplete, for the citizen.
TOO_MANY = N_(
    "Too many files on the USB stick: only the first {count} are shown. "
    "Put the files to attach in a folder with fewer files."
)


#: Items a scan does not list (a FIFO, a device, a link loop or a link out of the stick), for the citizen.
NOT_SHOWN = N_(
    "Links and special files on the USB stick cannot be attached and are not shown ({count}). "
    "Copy the files themselves onto the USB stick."
)


@dataclass(frozen=True)
class Listing:
    """What one scan found, and why it is incomplete when it is (`overflow`, None = it is complete);
    `skipped`: entries that are not files that can be attached (never listed, never read)."""

    candidates: list[Candidate]
    overflow: Issue | None = None
    skipped: int = 0

    @property
    def notices(self) -> list[Issue]:
        """What the citizen is told above the list (cut listing, items not shown)."""
        notices = [self.overflow] if self.overflow is not None else []
        if self.skipped:
            notices.append(Issue(NOT_SHOWN, {"count": self.skipped}))
        return notices


class _Budget:
    """What is left of one scan's bounds; `cut` once something was left unread."""

    def __init__(self, entries: int, files: int):
        self.entries = entries
        self.files = files
        self.cut = False
        self.skipped = 0


class StickScanner:
    """Lists the files under the mount roots; remembers each file's verdict while it is unchanged, so that
    rescanning every second or two (to notice a stick plugged in later) reads no file twice.

    One scan at a time: `scan` waits for a running one, `scan_if_idle` gives None instead (the rescan
    timer must not pile up threads behind a slow stick)."""

    def __init__(
        self,
        roots: Iterable[Path],
        *,
        max_entries: int = SCAN_MAX_ENTRIES,
        max_files: int = SCAN_MAX_FILES,
    ):
        self.roots = tuple(roots)
        self.max_entries = max_entries
        self.max_files = max_files
        self._cache: dict[Path, tuple[int, int, Issue | None]] = {}
        self._running = threading.Lock()
        self._mounts: dict[Path, None] = {}
        self._mounts_lock = threading.Lock()

    def scan(self) -> list[Candidate]:
        with self._running:
            return self._scan().candidates

    @contextmanager
    def held(self, timeout: float) -> Iterator[None]:
        """No scan runs inside (one running is waited for, at most `timeout` seconds): a stick being
        unmounted is not being read."""
        got = self._running.acquire(timeout=timeout)
        try:
            yield
        finally:
            if got:
                self._running.release()

    def take_mounts(self) -> list[Path]:
        """The stick mounts the scans listed files from since the last call (then forgotten)."""
        with self._mounts_lock:
            mounts, self._mounts = list(self._mounts), {}
        return mounts

    def scan_if_idle(self) -> Listing | None:
        """The listing, or None at once when another scan is still running."""
        if not self._running.acquire(blocking=False):
            return None
        try:
            return self._scan()
        finally:
            self._running.release()

    def _scan(self) -> Listing:
        found: list[Candidate] = []
        budget = _Budget(self.max_entries, self.max_files)
        for root in self.roots:
            if budget.entries <= 0 or budget.files <= 0:
                budget.cut = True
                break
            try:
                real_root = root.resolve(strict=True)
                if not real_root.is_dir():
                    continue
            except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python 3.11)
                continue
            self._walk(real_root, real_root, 0, None, found, budget)
        keep = {c.path for c in found}
        self._cache = {p: v for p, v in self._cache.items() if p in keep}
        mounts = {m for m in (stick_mount(c) for c in found) if m is not None}
        with self._mounts_lock:
            self._mounts.update(dict.fromkeys(sorted(mounts)))
        overflow = Issue(TOO_MANY, {"count": len(found)}) if budget.cut else None
        return Listing(sorted(found, key=lambda c: c.key.casefold()), overflow, budget.skipped)

    def _walk(
        self, root: Path, folder: Path, depth: int, folder_issue: Issue | None, found: list[Candidate],
        budget: _Budget,
    ) -> None:  # fmt: skip
        try:
            with os.scandir(folder) as listing:
                # Read lazily and only as much as the budget allows (one more tells whether there is more).
                entries = list(itertools.islice(listing, budget.entries + 1))
        except (OSError, RuntimeError):
            return
        if len(entries) > budget.entries:
            entries = entries[: budget.entries]
            budget.cut = True
        budget.entries -= len(entries)
        for entry in sorted(entries, key=lambda e: e.name):
            if budget.files <= 0:
                budget.cut = True
                return
            if entry.name.startswith(".") or entry.name in _SKIPPED:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < SCAN_MAX_DEPTH:
                        issue = folder_issue or check_folder_name(entry.name)
                        self._walk(root, Path(entry.path), depth + 1, issue, found, budget)
                    continue
                candidate = self._file(root, Path(entry.path), entry.is_symlink(), folder_issue)
            except (OSError, RuntimeError, ValueError):  # one bad entry never hides the others
                candidate = None
            if candidate is None:
                budget.skipped += 1  # a FIFO, a device, a link loop or out of the stick: told, not listed
            else:
                found.append(candidate)
                budget.files -= 1

    def _file(self, root: Path, path: Path, is_link: bool, folder_issue: Issue | None) -> Candidate | None:
        real = path.resolve(strict=True) if is_link else path
        if is_link and not real.is_relative_to(root):
            return None  # a link out of the stick: never shown, never read
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            return None
        cached = self._cache.get(real)
        if cached is not None and cached[:2] == (info.st_size, info.st_mtime_ns):
            verdict = cached[2]
        else:
            head = _read_head(root, real)
            if isinstance(head, Issue):  # not remembered: read again at the next scan
                verdict = head
            else:
                verdict = check_content(info.st_size, head)
                self._cache[real] = (info.st_size, info.st_mtime_ns, verdict)
        refusal = check_name(path.name) or folder_issue or verdict
        return Candidate(
            key=str(path.relative_to(root)), path=real, name=path.name, size=info.st_size, refusal=refusal,
            root=root,
        )  # fmt: skip


def _read_head(root: Path, path: Path) -> bytes | Issue:
    """The first bytes of the file, or why it cannot be read (the citizen is told that, not "not a PDF")."""
    try:
        fd = open_beneath(root, path)
    except AttachmentError as exc:
        return exc.issue
    try:
        return os.read(fd, _HEAD)
    except OSError as exc:
        return _io_issue(exc)
    finally:
        os.close(fd)


def check_addition(chosen: Sequence[Candidate | Attached], candidate: Candidate) -> Issue | None:
    """Whether `candidate` can join the files already chosen (its own checks, then count and total)."""
    if candidate.refusal is not None:
        return candidate.refusal
    if any(c.name == candidate.name for c in chosen):
        return Issue(N_("A file with this name is already attached. Rename one of them."))
    if len(chosen) >= MAX_FILES:
        return Issue(
            N_("At most {limit} files can be attached. Take one back to attach another."),
            {"limit": MAX_FILES},
        )
    total = sum(c.size for c in chosen) + candidate.size
    if total > MAX_TOTAL_BYTES:
        return Issue(
            N_("Together the files would pass {limit}. Take one back to attach this one."),
            {"limit": human_size(MAX_TOTAL_BYTES)},
        )
    return None


@dataclass(frozen=True)
class Attached:
    """A chosen file, copied into the session's temp folder (`copy` keeps the original name)."""

    key: str
    name: str
    size: int
    sha256: str
    media_type: str
    copy: Path


class AttachmentError(Exception):
    """The file could not be copied or no longer passes the checks; `issue` says why, for the citizen."""

    def __init__(self, issue: Issue):
        super().__init__(issue.message)
        self.issue = issue


CHANGED = N_("The file changed on the USB stick after it was listed: choose it again.")


def open_beneath(root: Path, path: Path) -> int:
    """A descriptor of the regular file `path`, opened by walking down from `root` one folder at a time
    without following any symbolic link (Python 3.11's `os` has no openat2/RESOLVE_BENEATH), and without
    blocking on a FIFO or a device. Raises `AttachmentError` (the file changed, or the stick is gone)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        raise AttachmentError(Issue(CHANGED)) from None
    if not parts or any(p in ("", ".", "..") for p in parts):
        raise AttachmentError(Issue(CHANGED))
    try:
        folder = os.open(root, _DIR_FLAGS)
    except OSError as exc:
        raise AttachmentError(_io_issue(exc)) from None
    try:
        for part in parts[:-1]:
            inner = os.open(part, _DIR_FLAGS, dir_fd=folder)
            os.close(folder)
            folder = inner
        fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=folder)
    except OSError as exc:
        raise AttachmentError(_io_issue(exc)) from None
    finally:
        os.close(folder)
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError as exc:
        os.close(fd)
        raise AttachmentError(_io_issue(exc)) from None
    if not regular:
        os.close(fd)
        raise AttachmentError(Issue(CHANGED))
    return fd


class _WriteFailed(Exception):
    """Writing the copy into the session's temp folder failed (the kiosk's disk, not the stick)."""

    def __init__(self, error: OSError):
        super().__init__(error.strerror)
        self.error = error


def copy_into(candidate: Candidate, dest_root: Path, slot: int) -> Attached:
    """Copy the chosen file to `dest_root/<slot>/<name>`, checking it again as it is read.

    Whatever fails (the stick pulled halfway, an I/O error, the kiosk's disk full), nothing of the copy
    is left: neither the part written nor its slot's folder. A failure reading the stick and one writing
    the copy are told apart: the citizen's file is not to blame for a full disk."""
    folder = dest_root / f"{slot:02d}"
    target = folder / candidate.name
    try:
        dest_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.mkdir(exist_ok=True, mode=0o700)
    except OSError as exc:
        raise AttachmentError(_write_issue(exc)) from None
    try:
        return _copy(candidate, target)
    except BaseException:
        target.unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:
            pass
        raise


def _copy(candidate: Candidate, target: Path) -> Attached:
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd = open_beneath(candidate.root or candidate.path.parent, candidate.path)
    try:
        before = os.fstat(fd)
        if before.st_size > MAX_FILE_BYTES:  # grown since it was listed: not read at all
            raise AttachmentError(_too_big(before.st_size))
        with _written(target) as out:
            while chunk := os.read(fd, MB):
                if not head:
                    head = chunk[:_HEAD]
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise AttachmentError(_too_big(size))
                digest.update(chunk)
                try:
                    out.write(chunk)
                    out.flush()  # a full disk shows here, for this chunk
                except OSError as exc:
                    raise _WriteFailed(exc) from None
        if _changed(before, os.fstat(fd)) or size != before.st_size:  # written to while it was read
            raise AttachmentError(Issue(CHANGED))
    except _WriteFailed as failed:
        raise AttachmentError(_write_issue(failed.error)) from None
    except OSError as exc:
        raise AttachmentError(_io_issue(exc)) from None
    finally:
        os.close(fd)
    problem = check_content(size, head)
    media_type = sniff(head, whole=False)
    if problem is not None or media_type is None:
        raise AttachmentError(problem or Issue(N_("The file is empty. Choose another file.")))
    return Attached(
        key=candidate.key, name=candidate.name, size=size, sha256=digest.hexdigest(), media_type=media_type,
        copy=target,
    )  # fmt: skip


@contextmanager
def _written(target: Path) -> Iterator[BinaryIO]:
    """The copy, open for writing; a failure to create or close it is a `_WriteFailed`."""
    try:
        out = open(target, "xb")
        os.chmod(target, 0o600)
    except OSError as exc:
        raise _WriteFailed(exc) from None
    try:
        yield out
    finally:
        try:
            out.close()
        except OSError as exc:
            raise _WriteFailed(exc) from None


def _changed(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns, before.st_ctime_ns) != (
        after.st_size, after.st_mtime_ns, after.st_ctime_ns
    )  # fmt: skip


UNREADABLE = N_(
    "The kiosk is not allowed to read this file (it is protected on the USB stick): "
    "copy it without protection, or bring it on paper."
)


PULLED = N_("The file could not be read. Check that the USB stick is plugged in and choose the file again.")


def _io_issue(exc: OSError) -> Issue:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Issue(UNREADABLE)
    if exc.errno in (errno.ENOENT, errno.ENODEV, errno.EIO, errno.ENXIO):
        return Issue(PULLED)
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a link, or a non-folder, where a folder or file was
        return Issue(CHANGED)
    return Issue(N_("The file could not be read. Choose it again, or bring it on paper."))


NO_ROOM = N_(
    "The kiosk has no room left to copy the file. What you have written and attached is kept: try again "
    "in a moment, or ask at the counter."
)


def _write_issue(exc: OSError) -> Issue:
    """A failure writing the copy into the session's temp folder: the kiosk's, not the citizen's file."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        log.warning("no room in the session's temp folder for an attachment (%s)", errno.errorcode[exc.errno])
        return Issue(NO_ROOM)
    log.warning("could not write an attachment's copy: %s", errno.errorcode.get(exc.errno or 0, "?"))
    return Issue(N_("The kiosk could not copy the file: try again in a moment, or ask at the counter."))


def discard(attached: Attached) -> None:
    """Remove a file the citizen took off the list (its copy, and its folder)."""
    attached.copy.unlink(missing_ok=True)
    try:
        attached.copy.parent.rmdir()
    except OSError:
        pass


# ---------------------------------------------------------------------------------------- taking the stick
def stick_mount(candidate: Candidate) -> Path | None:
    """The mount point of the stick `candidate` is on: the deepest mount point from the file's folder up
    to its mount root; with none (a folder standing in for a stick), the root's folder it is in."""
    root = candidate.root
    if root is None:
        return None
    folders = Path(candidate.key).parts[:-1]
    for depth in range(len(folders), -1, -1):
        folder = root.joinpath(*folders[:depth])
        if os.path.ismount(folder):
            return folder
    return root / folders[0] if folders else None


def eject(command: Sequence[str], mount: Path, timeout: float) -> bool:
    """Run `command` with the stick's mount point as its last argument (no shell): udiskie-umount
    --detach unmounts it and powers the drive off. In its own process group, killed after `timeout`
    seconds. False (and logged, without the mount point: a stick's label may be a name) on any failure."""
    argv = [*command, os.fspath(mount)]
    program = os.path.basename(command[0]) if command else "?"
    try:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=True, start_new_session=True,
        )  # fmt: skip
    except (OSError, ValueError) as exc:
        log.warning("the eject command %s could not start: %s", program, getattr(exc, "strerror", exc))
        return False
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        log.warning("the eject command %s took more than %g s: stopped", program, timeout)
        return False
    if code != 0:
        log.warning("the eject command %s failed (exit status %d)", program, code)
        return False
    return True


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        log.warning("the eject command did not end after SIGKILL")


def eject_all(scanner: StickScanner, command: Sequence[str], timeout: float) -> int:
    """Eject every stick mount the scanner listed files from and that is still there, with no scan
    running meanwhile. How many were there (ejected or not: a read-only stick can be pulled anyway)."""
    mounts = [m for m in scanner.take_mounts() if os.path.isdir(m)]
    if not mounts or not command:
        return 0
    with scanner.held(timeout):
        for mount in mounts:
            eject(command, mount, timeout)
    return len(mounts)
