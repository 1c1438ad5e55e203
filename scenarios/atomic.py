"""Write a directory of outputs so that it appears complete or not at all.

Files are written into a temporary sibling directory, flushed to disk, and renamed into place in one
step. A crash leaves at most a hidden ``.<name>.*.tmp`` (or ``.<name>.*.old``) directory beside the
target, never a half-written target.

With ``exclusive=True`` (``jointcheck plan``) the whole write holds an advisory lock on ``.<name>.lock``
beside the target (removed when done): a second writer of the same target fails at once with :class:`OutputBusy` instead of
racing, and leftovers of earlier crashed writers of that target are removed first (nobody else can be
writing them). ``before_rename`` runs on the complete staging directory just before it becomes visible
(the plan's ledger record is written there, so a visible plan is always recorded); if it raises, nothing
is moved.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scenarios.messages import Message

__all__ = ["atomic_directory", "atomic_file", "OutputBusy", "stale_staging"]


class OutputBusy(RuntimeError):
    """Another process is writing the same output right now."""


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stale_staging(target: str | Path) -> list[Path]:
    """Leftovers of interrupted writes of ``target``: ``.<name>.*.tmp`` and ``.<name>.*.old`` directories."""
    target = Path(target)
    if not target.parent.is_dir():
        return []
    found = [*target.parent.glob(f".{glob_escape(target.name)}.*.tmp"), *target.parent.glob(f".{glob_escape(target.name)}.*.old")]
    return sorted(p for p in found if p.is_dir() and not p.is_symlink())


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


@contextlib.contextmanager
def _exclusive(target: Path) -> Iterator[None]:
    """Hold ``.<name>.lock`` beside the target; the file is removed on release (the holder checks, after
    locking, that the file it locked is still the one at the path, so removing it is safe)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    lock = target.parent / f".{target.name}.lock"
    while True:
        handle = open(lock, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise OutputBusy(Message("output.busy", target=target)) from None
        try:
            same = os.fstat(handle.fileno()).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()  # the previous holder removed it meanwhile: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@contextmanager
def atomic_directory(target: str | Path, overwrite: bool = False, *, exclusive: bool = False,
                     before_rename: Callable[[Path], None] | None = None, mark: str | None = None) -> Iterator[Path]:
    """Yield a temporary directory; on success move it to ``target`` (replacing it if ``overwrite``).

    ``exclusive``: hold the target's lock (:class:`OutputBusy` if taken) and first remove its stale
    staging directories. ``before_rename(staging)``: called on the complete directory before it is moved.
    ``mark``: the kind of output (:mod:`scenarios.outputs`): the complete directory gets the mark listing its
    files, and an existing target is replaced only if it is jointcheck's own output of that kind holding nothing
    else (:class:`~scenarios.outputs.OutputRefused` otherwise, nothing moved).
    """
    from scenarios.outputs import check_replaceable, write_mark

    target = Path(target)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(target) if exclusive else contextlib.nullcontext():
        if target.exists() and not overwrite:  # checked again under the lock
            raise FileExistsError(f"{target} exists; pass overwrite to replace it")
        if exclusive:
            for stale in stale_staging(target):
                shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; the result is an ordinary directory
        try:
            yield staging
            if mark is not None:
                write_mark(staging, mark)
            _fsync_tree(staging)
            if before_rename is not None:
                before_rename(staging)
            if mark is not None and overwrite and (target.exists() or target.is_symlink()):
                check_replaceable(target, mark)  # again, just before replacing: nothing added meanwhile
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _move_into_place(staging, target, overwrite)


def _move_into_place(staging: Path, target: Path, overwrite: bool) -> None:
    if target.exists() or target.is_symlink():
        if not overwrite:
            shutil.rmtree(staging, ignore_errors=True)
            raise FileExistsError(f"{target} appeared while it was being written; nothing was replaced")
        retired = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.old"
        os.rename(target, retired)
        os.rename(staging, target)
        if retired.is_dir() and not retired.is_symlink():
            shutil.rmtree(retired, ignore_errors=True)
        else:
            retired.unlink(missing_ok=True)
    else:
        try:
            os.rename(staging, target)  # fails on a non-empty directory that appeared meanwhile
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            raise FileExistsError(f"{target} appeared while it was being written; nothing was replaced") from None


@contextmanager
def atomic_file(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success flush it and rename it over ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    staging = Path(name)
    try:
        yield staging
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(staging, 0o666 & ~_umask())
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
