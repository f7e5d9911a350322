"""javax.script: ScriptException, which scripts catch around code they evaluate."""

from __future__ import annotations

from .java_lang import JavaThrowable


class ScriptException(JavaThrowable):
    """javax.script.ScriptException(message[, fileName, lineNumber[, columnNumber]])."""

    def __init__(self, message=None, fileName=None, lineNumber=-1, columnNumber=-1):  # noqa: N803 - Java's names
        super().__init__(message)
        self._file, self._line, self._column = fileName, lineNumber, columnNumber

    def getFileName(self):
        return self._file

    def getLineNumber(self):
        return self._line

    def getColumnNumber(self):
        return self._column


__all__ = ["ScriptException"]
