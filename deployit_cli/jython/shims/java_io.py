"""java.io for scripts: File, the readers and writers (FileReader, BufferedReader, InputStreamReader,
FileWriter, BufferedWriter, PrintWriter, StringWriter), the byte streams (FileInputStream,
FileOutputStream, ByteArrayInputStream/OutputStream) and IOException.

A File is also an os.PathLike, so `open(File(p))` works; streams are also Python context
managers. Readers decode UTF-8; `readLine()` returns None at the end, as Java does.
"""

from __future__ import annotations

import io
import os
import sys

from ..beans import JavaBean
from ..javacollections import JavaList, java_string
from .java_lang import JavaThrowable


class IOException(JavaThrowable, OSError):
    pass


class FileNotFoundException(IOException, FileNotFoundError):
    pass


class UncheckedIOException(IOException):
    pass


def _path_of(target) -> str:
    if isinstance(target, File):
        return target.getPath()
    if isinstance(target, os.PathLike):
        return os.fspath(target)
    if isinstance(target, str):
        return target
    raise TypeError(f"expected a path or a File, not {type(target).__name__}")


def _open(target, mode: str, **kwargs):
    path = _path_of(target)
    try:
        return open(path, mode, **kwargs)
    except FileNotFoundError:
        raise FileNotFoundException(f"{path} (No such file or directory)") from None
    except IsADirectoryError:
        raise FileNotFoundException(f"{path} (Is a directory)") from None
    except PermissionError:
        raise FileNotFoundException(f"{path} (Permission denied)") from None
    except OSError as err:
        raise IOException(f"{path} ({err.strerror or err})") from None


class File(JavaBean, os.PathLike):
    """java.io.File: File(path), File(parent, child) with parent a path or a File."""

    separator = os.sep
    separatorChar = os.sep
    pathSeparator = os.pathsep
    pathSeparatorChar = os.pathsep

    def __init__(self, parent, child=None):
        if child is None:
            path = _path_of(parent)
        else:
            path = os.path.join(_path_of(parent), child) if parent is not None else child
        # Java normalises away a trailing separator
        if len(path) > 1 and path.endswith(os.sep):
            path = path.rstrip(os.sep) or os.sep
        self._path = path

    def __fspath__(self) -> str:
        return self._path

    def getPath(self) -> str:
        return self._path

    def getName(self) -> str:
        return os.path.basename(self._path)

    def getParent(self):
        parent = os.path.dirname(self._path)
        return parent or None

    def getParentFile(self):
        parent = self.getParent()
        return File(parent) if parent is not None else None

    def getAbsolutePath(self) -> str:
        return os.path.abspath(self._path)

    def getAbsoluteFile(self) -> "File":
        return File(self.getAbsolutePath())

    def getCanonicalPath(self) -> str:
        return os.path.realpath(self._path)

    def getCanonicalFile(self) -> "File":
        return File(self.getCanonicalPath())

    def isAbsolute(self) -> bool:
        return os.path.isabs(self._path)

    def exists(self) -> bool:
        return os.path.exists(self._path)

    def isDirectory(self) -> bool:
        return os.path.isdir(self._path)

    def isFile(self) -> bool:
        return os.path.isfile(self._path)

    def isHidden(self) -> bool:
        return self.getName().startswith(".")

    def canRead(self) -> bool:
        return os.access(self._path, os.R_OK)

    def canWrite(self) -> bool:
        return os.access(self._path, os.W_OK)

    def canExecute(self) -> bool:
        return os.access(self._path, os.X_OK)

    def length(self) -> int:
        try:
            return os.path.getsize(self._path)
        except OSError:
            return 0

    def lastModified(self) -> int:
        try:
            return int(os.path.getmtime(self._path) * 1000)
        except OSError:
            return 0

    def setLastModified(self, millis) -> bool:
        try:
            os.utime(self._path, (millis / 1000.0, millis / 1000.0))
            return True
        except OSError:
            return False

    def list(self):
        """Names in the directory (sorted), or None when this is not a directory, as in Java."""
        if not os.path.isdir(self._path):
            return None
        return JavaList(sorted(os.listdir(self._path)))

    def listFiles(self, filter=None):  # noqa: A002 - Java's parameter name
        """Files in the directory (sorted by name), or None when this is not a directory. The filter
        may be a FileFilter/FilenameFilter object or a Python function (of a File, or dir and name)."""
        names = self.list()
        if names is None:
            return None
        files = JavaList()
        for name in names:
            child = File(self._path, name)
            if filter is not None and not _accepts(filter, self, child, name):
                continue
            files.append(child)
        return files

    def mkdir(self) -> bool:
        try:
            os.mkdir(self._path)
            return True
        except OSError:
            return False

    def mkdirs(self) -> bool:
        if os.path.isdir(self._path):
            return False
        try:
            os.makedirs(self._path)
            return True
        except OSError:
            return False

    def delete(self) -> bool:
        try:
            if os.path.isdir(self._path) and not os.path.islink(self._path):
                os.rmdir(self._path)
            else:
                os.remove(self._path)
            return True
        except OSError:
            return False

    def deleteOnExit(self) -> None:
        import atexit

        atexit.register(self.delete)

    def createNewFile(self) -> bool:
        try:
            fd = os.open(self._path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        except OSError as err:
            raise IOException(f"{self._path} ({err.strerror})") from None
        os.close(fd)
        return True

    def renameTo(self, dest) -> bool:
        try:
            os.rename(self._path, _path_of(dest))
            return True
        except OSError:
            return False

    @staticmethod
    def createTempFile(prefix, suffix=None, directory=None):
        import tempfile

        fd, path = tempfile.mkstemp(suffix=".tmp" if suffix is None else suffix, prefix=prefix,
                                    dir=None if directory is None else _path_of(directory))
        os.close(fd)
        return File(path)

    def toURI(self):
        from pathlib import Path

        return Path(self.getAbsolutePath()).as_uri()

    def toPath(self):
        from pathlib import Path

        return Path(self._path)

    def toString(self) -> str:
        return self._path

    __str__ = toString

    def __repr__(self) -> str:
        return self._path

    def __eq__(self, other) -> bool:
        return isinstance(other, File) and other._path == self._path

    def __hash__(self) -> int:
        return hash(self._path)

    def __lt__(self, other) -> bool:
        return self._path < other._path

    def compareTo(self, other) -> int:
        return (self._path > other._path) - (self._path < other._path)

    def equals(self, other) -> bool:
        return self == other


def _accepts(file_filter, directory, child, name) -> bool:
    accept = getattr(file_filter, "accept", file_filter)
    try:
        return bool(accept(child))
    except TypeError:
        return bool(accept(directory, name))


# ------------------------------------------------------------------------------ byte streams

class InputStream(JavaBean):
    """Java's read() (one byte as an int, -1 at the end), read(buffer[, off, len]) (a count, -1 at
    the end), readAllBytes(), skip(), available(), close(). Wraps a binary Python file object."""

    def __init__(self, raw=None):
        self._raw = raw

    @property
    def raw(self):
        """The underlying binary Python file object (for Python code that wants one)."""
        return self._raw

    def read(self, buffer=None, offset=0, length=None):
        if buffer is None:
            data = self._raw.read(1)
            return data[0] if data else -1
        if isinstance(buffer, int):  # Python's file.read(size), for code that treats us as a file
            return self._raw.read(buffer)
        length = len(buffer) - offset if length is None else length
        if length == 0:
            return 0
        data = self._raw.read(length)
        if not data:
            return -1
        for i, byte in enumerate(data):
            buffer[offset + i] = byte if isinstance(buffer, (bytearray, memoryview)) else (byte - 256 if byte > 127 else byte)
        return len(data)

    def readAllBytes(self) -> bytes:
        return self._raw.read()

    _read_all = readAllBytes

    def readNBytes(self, count) -> bytes:
        return self._raw.read(count)

    def skip(self, count) -> int:
        return len(self._raw.read(count))

    def available(self) -> int:
        try:
            here = self._raw.tell()
            end = self._raw.seek(0, io.SEEK_END)
            self._raw.seek(here)
            return end - here
        except (OSError, AttributeError):
            return 0

    def transferTo(self, out) -> int:
        data = self._raw.read()
        out.write(data)
        return len(data)

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        return iter(self._raw)


class FileInputStream(InputStream):
    def __init__(self, target):
        self.path = _path_of(target)
        super().__init__(_open(target, "rb"))

    def getPath(self) -> str:
        return self.path

    @property
    def name(self) -> str:
        return self.path


class ByteArrayInputStream(InputStream):
    def __init__(self, data, offset=0, length=None):
        data = bytes((b & 0xFF) for b in data) if not isinstance(data, (bytes, bytearray)) else bytes(data)
        end = len(data) if length is None else offset + length
        super().__init__(io.BytesIO(data[offset:end]))


class OutputStream(JavaBean):
    """Java's write(int), write(bytes[, off, len]), flush(), close(). Wraps a binary file object."""

    def __init__(self, raw=None):
        self._raw = raw

    @property
    def raw(self):
        return self._raw

    def write(self, data, offset=0, length=None):
        if isinstance(data, int):
            self._raw.write(bytes([data & 0xFF]))
            return
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(b & 0xFF for b in data)  # a jarray of signed bytes
        end = len(data) if length is None else offset + length
        self._raw.write(bytes(data[offset:end]))

    def flush(self) -> None:
        self._raw.flush()

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileOutputStream(OutputStream):
    def __init__(self, target, append=False):
        self.path = _path_of(target)
        super().__init__(_open(target, "ab" if append else "wb"))


class ByteArrayOutputStream(OutputStream):
    def __init__(self, _size=None):
        super().__init__(io.BytesIO())

    def toByteArray(self) -> bytes:
        return self._raw.getvalue()

    def toString(self, encoding="utf-8") -> str:
        return self._raw.getvalue().decode(encoding)

    __str__ = toString

    def size(self) -> int:
        return len(self._raw.getvalue())

    def reset(self) -> None:
        self._raw.seek(0)
        self._raw.truncate()

    def close(self) -> None:
        pass


BufferedInputStream = type("BufferedInputStream", (InputStream,), {
    "__init__": lambda self, stream, _size=None: InputStream.__init__(self, stream.raw),
    "__doc__": "BufferedInputStream(stream): the same bytes (Python's files are buffered already).",
})
BufferedOutputStream = type("BufferedOutputStream", (OutputStream,), {
    "__init__": lambda self, stream, _size=None: OutputStream.__init__(self, stream.raw),
    "__doc__": "BufferedOutputStream(stream): the same stream (Python's files are buffered already).",
})


# ----------------------------------------------------------------------------------- readers

def _text_of(source, encoding="utf-8"):
    """A Python text stream for a reader's source: a Reader, an InputStream, System.in or a file."""
    if isinstance(source, Reader):
        return source._text
    if isinstance(source, InputStream):
        return io.TextIOWrapper(source.raw, encoding=encoding, newline="")
    text_stream = getattr(source, "_text_stream", None)
    if text_stream is not None:
        return text_stream()
    if isinstance(source, io.TextIOBase) or hasattr(source, "readline"):
        return source
    raise TypeError(f"cannot read characters from {type(source).__name__}")


class Reader(JavaBean):
    """Java's read() (a char code, -1 at the end), read(buffer), readLine() (None at the end),
    ready(), lines(), close(); iterating yields lines without their line ends."""

    def __init__(self, text):
        self._text = text

    def read(self, buffer=None, offset=0, length=None):
        if buffer is None:
            ch = self._text.read(1)
            return ord(ch) if ch else -1
        if isinstance(buffer, int):
            return self._text.read(buffer)
        length = len(buffer) - offset if length is None else length
        chars = self._text.read(length)
        if not chars:
            return -1
        for i, ch in enumerate(chars):
            buffer[offset + i] = ch
        return len(chars)

    def readLine(self):
        line = self._text.readline()
        if not line:
            return None
        if line.endswith("\r\n"):
            return line[:-2]
        if line.endswith(("\n", "\r")):
            return line[:-1]
        return line

    def ready(self) -> bool:
        try:
            here = self._text.tell()
            ch = self._text.read(1)
            self._text.seek(here)
            return bool(ch)
        except (OSError, AttributeError, io.UnsupportedOperation):
            return False

    def lines(self):
        return iter(self)

    def _read_all(self) -> str:
        return self._text.read()

    def skip(self, count) -> int:
        return len(self._text.read(count))

    def close(self) -> None:
        if self._text is not None and self._text is not sys.stdin:
            self._text.close()

    def __iter__(self):
        while True:
            line = self.readLine()
            if line is None:
                return
            yield line

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileReader(Reader):
    def __init__(self, target, encoding="utf-8"):
        super().__init__(_open(target, "r", encoding=getattr(encoding, "name", encoding), newline=""))


class InputStreamReader(Reader):
    def __init__(self, stream, encoding="utf-8"):
        super().__init__(_text_of(stream, getattr(encoding, "name", encoding)))


class BufferedReader(Reader):
    def __init__(self, reader, _size=None):
        super().__init__(_text_of(reader))


class StringReader(Reader):
    def __init__(self, text):
        super().__init__(io.StringIO(text, newline=""))


LineNumberReader = BufferedReader


# ----------------------------------------------------------------------------------- writers

class Writer(JavaBean):
    """Java's write(str or char code[, off, len]), append(), newLine() (BufferedWriter), flush(),
    close(). Wraps a Python text stream."""

    def __init__(self, text):
        self._text = text

    def write(self, data, offset=0, length=None):
        if isinstance(data, int):
            data = chr(data)
        elif not isinstance(data, str):
            data = "".join(data)  # char[]
        if offset or length is not None:
            data = data[offset:offset + (len(data) - offset if length is None else length)]
        self._text.write(data)

    def append(self, value):
        self._text.write(java_string(value))
        return self

    def newLine(self) -> None:
        self._text.write(os.linesep)

    def flush(self) -> None:
        self._text.flush()

    def close(self) -> None:
        if self._text in (sys.stdout, sys.stderr):
            self._text.flush()
        else:
            self._text.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _text_sink(target, append=False, encoding="utf-8"):
    if isinstance(target, Writer):
        return target._text
    if isinstance(target, OutputStream):
        return io.TextIOWrapper(target.raw, encoding=encoding, newline="", write_through=True)
    stream = getattr(target, "_stream", None)  # System.out / System.err
    if stream is not None:
        return stream
    if isinstance(target, (str, File, os.PathLike)):
        return _open(target, "a" if append else "w", encoding=encoding, newline="")
    if hasattr(target, "write"):
        return target
    raise TypeError(f"cannot write characters to {type(target).__name__}")


class FileWriter(Writer):
    def __init__(self, target, append=False):
        super().__init__(_open(target, "a" if append else "w", encoding="utf-8", newline=""))


class OutputStreamWriter(Writer):
    def __init__(self, stream, encoding="utf-8"):
        super().__init__(_text_sink(stream, encoding=getattr(encoding, "name", encoding)))


class BufferedWriter(Writer):
    def __init__(self, writer, _size=None):
        super().__init__(_text_sink(writer))


class StringWriter(Writer):
    def __init__(self, _size=None):
        super().__init__(io.StringIO())

    def toString(self) -> str:
        return self._text.getvalue()

    __str__ = toString

    def getBuffer(self):
        return self._text.getvalue()

    def close(self) -> None:
        pass


class PrintWriter(Writer):
    """PrintWriter(writer | stream | path | File[, autoFlush]): print, println, printf/format."""

    def __init__(self, target, auto_flush=False):
        super().__init__(_text_sink(target))
        self._auto_flush = bool(auto_flush) if isinstance(auto_flush, bool) else False

    def print(self, value) -> None:
        self._text.write(java_string(value))

    def println(self, value="") -> None:
        self._text.write(java_string(value) + os.linesep)
        if self._auto_flush:
            self._text.flush()

    def printf(self, fmt, *args):
        from .java_lang import String

        self._text.write(String.format(fmt, *args))
        return self

    format = printf

    def checkError(self) -> bool:
        return False


PrintStream = PrintWriter


__all__ = [
    "IOException", "FileNotFoundException", "UncheckedIOException", "File", "InputStream", "FileInputStream",
    "ByteArrayInputStream", "OutputStream", "FileOutputStream", "ByteArrayOutputStream", "BufferedInputStream",
    "BufferedOutputStream", "Reader", "FileReader", "InputStreamReader", "BufferedReader", "StringReader",
    "LineNumberReader", "Writer", "FileWriter", "OutputStreamWriter", "BufferedWriter", "StringWriter",
    "PrintWriter", "PrintStream",
]
