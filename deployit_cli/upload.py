"""A multipart/form-data body with one file part, streamed from disk with a known length.

requests builds multipart bodies in memory; a DAR can be large, so the body is a stream (the part's
header, the file in chunks, the closing boundary) with `__len__`, which requests sends with a
Content-Length and reads piece by piece.
"""

from __future__ import annotations

import os
import uuid

CHUNK = 1024 * 1024


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")


class MultipartFile:
    """The body; `content_type` goes in the request's Content-Type header. Close it when done."""

    def __init__(self, path: str, field: str = "fileData", filename: str | None = None,
                 part_type: str = "application/octet-stream"):
        self.boundary = "deployit-" + uuid.uuid4().hex
        name = filename or os.path.basename(path)
        self._head = (f"--{self.boundary}\r\n"
                      f'Content-Disposition: form-data; name="{_quoted(field)}"; filename="{_quoted(name)}"\r\n'
                      f"Content-Type: {part_type}\r\n\r\n").encode("utf-8")
        self._tail = f"\r\n--{self.boundary}--\r\n".encode("ascii")
        self._file = open(path, "rb")
        self._size = os.fstat(self._file.fileno()).st_size
        self._pieces = [self._head, None, self._tail]
        self._buffer = b""

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    def _next_piece(self) -> bytes:
        while self._pieces:
            piece = self._pieces[0]
            if piece is None:
                data = self._file.read(CHUNK)
                if data:
                    return data
                self._pieces.pop(0)
                continue
            self._pieces.pop(0)
            if piece:
                return piece
        return b""

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self._buffer + b"".join(iter(self._next_piece, b""))
        while len(self._buffer) < size:
            piece = self._next_piece()
            if not piece:
                break
            self._buffer += piece
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def __iter__(self):
        while True:
            piece = self.read(CHUNK)
            if not piece:
                return
            yield piece

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
