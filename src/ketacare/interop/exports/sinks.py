"""Where the files of an export go: a directory, or a zip archive (a path or an open file).

Each file is written as it is read, row by row: nothing holds a whole file in memory.
CSV files are UTF-8 with a header row and CRLF line ends (the csv module's dialect).
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol, Self, TextIO


class Sink(Protocol):
    def file(self, name: str) -> contextlib.AbstractContextManager[TextIO]:
        """A text file named `name` to write, closed at the end of the block."""


class DirectorySink:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory

    @contextlib.contextmanager
    def file(self, name: str) -> Iterator[TextIO]:
        with (self.directory / name).open("w", encoding="utf-8", newline="") as handle:
            yield handle


class ZipSink:
    """A zip archive; close it (or use it as a context manager) to finish it."""

    def __init__(self, target: Path | IO[bytes]) -> None:
        self.archive = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)

    @contextlib.contextmanager
    def file(self, name: str) -> Iterator[TextIO]:
        with (
            self.archive.open(name, "w", force_zip64=True) as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle,
        ):
            yield handle

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
