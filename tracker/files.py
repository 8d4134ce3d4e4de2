"""Writing files that hold the tracker's private data (exports with internal records, backups
with password hashes): readable by their owner only, never seen half-written, never written
through a link someone planted, into a folder that exists, and over an existing file only when
asked to.

The data goes to a new file of a random name in the target's folder, created exclusively with
mode 0600 (``tempfile.mkstemp``: ``O_CREAT | O_EXCL | O_NOFOLLOW``), which then takes the
target's name in one step. Renaming replaces a symbolic link at the target rather than
following it, so nothing is ever written where a link points.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


class FileRefused(Exception):
    """The file cannot be written there; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class PrivateFile:
    """Where to write: the temporary file's path (for tools that open it by name, such as
    SQLite or pg_dump) and a handle open on it."""

    path: Path
    handle: BinaryIO


def check_target(target: Path, *, replace: bool) -> None:
    """Refuse a missing folder, and an existing file unless ``replace``."""
    folder = target.parent
    if not folder.is_dir():
        raise FileRefused(f"the folder {folder} does not exist; create it first")
    if not replace and os.path.lexists(target):
        raise FileRefused(f"{target} already exists; use --force to replace it")


@contextmanager
def private_file(target: Path, *, replace: bool) -> Iterator[PrivateFile]:
    """Write ``target`` privately: what the block writes appears under its name at the end,
    all at once, or not at all (the temporary file is removed if the block fails)."""
    check_target(target, replace=replace)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    partial = Path(name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield PrivateFile(partial, handle)
            handle.flush()
            os.fsync(handle.fileno())
        _publish(partial, target, replace)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _publish(partial: Path, target: Path, replace: bool) -> None:
    if replace:
        os.replace(partial, target)
        return
    # A hard link fails if the name was taken meanwhile, which a check-then-rename would miss.
    try:
        os.link(partial, target, follow_symlinks=False)
    except FileExistsError:
        raise FileRefused(f"{target} already exists; use --force to replace it") from None
    except OSError:
        # A file system without hard links: check, then rename (a narrow race remains).
        check_target(target, replace=False)
        os.replace(partial, target)
        return
    partial.unlink()
