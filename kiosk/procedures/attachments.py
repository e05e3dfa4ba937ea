"""The instància's attachments: what is on the citizen's USB stick, which files can be sent, and a private
copy of each chosen file in the session's temp folder.

- Only the configured mount roots are listed. Nothing outside them is ever shown or read: symbolic links
  are followed only when their target is a regular file inside the same root, linked folders are not
  entered, and hidden entries are skipped. The picker works with the keys of what `scan` returned, never
  with a path the citizen could type.
- Each file is checked as the registry (EACAT) and the backend check it: PDF, JPEG or PNG by content (not
  by name), at most 10 MB, a name of at most 80 characters that the receipt can print; at most 10 files
  and 100 MB together.
- A chosen file is copied into the session's temp folder at once and checked again while it is copied:
  what is uploaded is exactly what was checked, and pulling the stick out afterwards (even during the
  upload) changes nothing. The copies go with the session's temp folder when the session ends.

Plain functions (file system only, no Textual): the attachments screen runs them in thread workers.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.i18n import N_
from kiosk.procedures.validation import PRINTABLE, Issue, is_control, is_emoji

MB = 1024 * 1024
MAX_FILES = 10
MAX_FILE_BYTES = 10 * MB
MAX_TOTAL_BYTES = 100 * MB
MAX_NAME = 80
#: How deep and how much of a stick is listed: enough for any citizen's folder, bounded for a huge disk.
SCAN_MAX_DEPTH = 4
SCAN_MAX_FILES = 400
_HEAD = 16


def sniff(head: bytes) -> str | None:
    """The media type by content: PDF, JPEG or PNG; None for anything else (a renamed .exe, ...)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def check_name(name: str) -> Issue | None:
    if len(name) > MAX_NAME:
        return Issue(N_("Name too long ({length} characters, at most {limit}): rename the file."),
                     {"length": len(name), "limit": MAX_NAME})  # fmt: skip
    if any(is_control(c) or c in "/\\" for c in name):
        return Issue(N_("The name has invisible characters: rename the file."))
    if any(is_emoji(c) or ord(c) not in PRINTABLE for c in name):
        return Issue(N_("The name has characters the receipt cannot print: rename the file."))
    return None


def check_content(size: int, head: bytes) -> Issue | None:
    if size == 0:
        return Issue(N_("The file is empty."))
    if size > MAX_FILE_BYTES:
        return Issue(N_("Too big ({size}); at most {limit} per file."),
                     {"size": human_size(size), "limit": human_size(MAX_FILE_BYTES)})  # fmt: skip
    if sniff(head) is None:
        return Issue(N_("Not a PDF, JPEG or PNG file (checked by its content, not its name)."))
    return None


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < MB:
        return f"{size / 1024:.0f} KB"
    return f"{size / MB:.1f} MB"


@dataclass(frozen=True)
class Candidate:
    """A file found on a stick, with the reason it cannot be attached (None = it can)."""

    key: str
    """Where it is, relative to the mount root (`USB_DISK/scans/dni.pdf`): shown, and used as its id."""
    path: Path
    name: str
    size: int
    refusal: Issue | None


class StickScanner:
    """Lists the files under the mount roots; remembers each file's verdict while it is unchanged, so that
    rescanning every second or two (to notice a stick plugged in later) reads no file twice."""

    def __init__(self, roots: Iterable[Path]):
        self.roots = tuple(roots)
        self._cache: dict[Path, tuple[int, int, Issue | None]] = {}

    def scan(self) -> list[Candidate]:
        found: list[Candidate] = []
        for root in self.roots:
            try:
                real_root = root.resolve(strict=True)
            except OSError:
                continue
            if not real_root.is_dir():
                continue
            self._walk(real_root, real_root, 0, found)
            if len(found) >= SCAN_MAX_FILES:
                break
        keep = {c.path for c in found}
        self._cache = {p: v for p, v in self._cache.items() if p in keep}
        return sorted(found, key=lambda c: c.key.casefold())

    def _walk(self, root: Path, folder: Path, depth: int, found: list[Candidate]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if len(found) >= SCAN_MAX_FILES:
                return
            if entry.name.startswith(".") or entry.name in ("System Volume Information", "$RECYCLE.BIN"):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < SCAN_MAX_DEPTH:
                        self._walk(root, Path(entry.path), depth + 1, found)
                    continue
                candidate = self._file(root, Path(entry.path), entry.is_symlink())
            except OSError:
                continue
            if candidate is not None:
                found.append(candidate)

    def _file(self, root: Path, path: Path, is_link: bool) -> Candidate | None:
        real = path.resolve(strict=True) if is_link else path
        if is_link and not real.is_relative_to(root):
            return None  # a link out of the stick: never shown, never read
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            return None
        cached = self._cache.get(real)
        if cached is not None and cached[:2] == (info.st_size, info.st_mtime_ns):
            refusal = cached[2]
        else:
            refusal = check_name(path.name) or check_content(info.st_size, _read_head(real))
            self._cache[real] = (info.st_size, info.st_mtime_ns, refusal)
        return Candidate(
            key=str(path.relative_to(root)), path=real, name=path.name, size=info.st_size, refusal=refusal
        )


def _read_head(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return b""
    try:
        return os.read(fd, _HEAD)
    except OSError:
        return b""
    finally:
        os.close(fd)


def check_addition(chosen: Sequence[Candidate | Attached], candidate: Candidate) -> Issue | None:
    """Whether `candidate` can join the files already chosen (its own checks, then count and total)."""
    if candidate.refusal is not None:
        return candidate.refusal
    if any(c.name == candidate.name for c in chosen):
        return Issue(N_("A file with this name is already attached."))
    if len(chosen) >= MAX_FILES:
        return Issue(N_("At most {limit} files can be attached."), {"limit": MAX_FILES})
    total = sum(c.size for c in chosen) + candidate.size
    if total > MAX_TOTAL_BYTES:
        return Issue(N_("Together the files would pass {limit}."), {"limit": human_size(MAX_TOTAL_BYTES)})
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


def copy_into(candidate: Candidate, dest_root: Path, slot: int) -> Attached:
    """Copy the chosen file to `dest_root/<slot>/<name>`, checking it again as it is read."""
    folder = dest_root / f"{slot:02d}"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / candidate.name
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        fd = os.open(candidate.path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise AttachmentError(_io_issue(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise AttachmentError(
                Issue(N_("Not a PDF, JPEG or PNG file (checked by its content, not its name)."))
            )
        with open(target, "xb") as out:
            os.chmod(target, 0o600)
            while chunk := os.read(fd, MB):
                if not head:
                    head = chunk[:_HEAD]
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise AttachmentError(check_content(size, head) or Issue(N_("The file is empty.")))
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise AttachmentError(_io_issue(exc)) from None
    except AttachmentError:
        target.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    problem = check_content(size, head)
    media_type = sniff(head)
    if problem is not None or media_type is None:
        target.unlink(missing_ok=True)
        raise AttachmentError(problem or Issue(N_("The file is empty.")))
    return Attached(
        key=candidate.key, name=candidate.name, size=size, sha256=digest.hexdigest(), media_type=media_type,
        copy=target,
    )  # fmt: skip


def _io_issue(exc: OSError) -> Issue:
    if exc.errno in (errno.ENOENT, errno.ENODEV, errno.EIO, errno.ENXIO):
        return Issue(N_("The file could not be read: was the USB stick removed?"))
    return Issue(N_("The file could not be read."))


def discard(attached: Attached) -> None:
    """Remove a file the citizen took off the list (its copy, and its folder)."""
    attached.copy.unlink(missing_ok=True)
    try:
        attached.copy.parent.rmdir()
    except OSError:
        pass
