"""Jython's jarray module: array(sequence, type) and zeros(length, type) make Java arrays, here
JavaLists (with Java's `length`). The type is a Jython type code ('b' byte, 'c' char, 'd' double,
'f' float, 'h' short, 'i' int, 'l' long, 'z' boolean) or a class such as java.lang.String."""

from ..javacollections import JavaList

_ZEROS = {"b": 0, "h": 0, "i": 0, "l": 0, "c": "\0", "d": 0.0, "f": 0.0, "z": False}


def _convert(value, type_code):
    if type_code in ("b", "h", "i", "l"):
        value = int(value)
        if type_code == "b" and value > 127:
            value -= 256  # Java bytes are signed
        return value
    if type_code in ("d", "f"):
        return float(value)
    if type_code == "z":
        return bool(value)
    if type_code == "c":
        return chr(value) if isinstance(value, int) else value
    return value


def array(sequence, type_code):
    if isinstance(sequence, (bytes, bytearray)) and type_code == "b":
        sequence = list(sequence)
    if isinstance(sequence, str) and type_code == "c":
        sequence = list(sequence)
    code = type_code if isinstance(type_code, str) else None
    return JavaList(_convert(v, code) for v in sequence)


def zeros(length, type_code):
    value = _ZEROS.get(type_code) if isinstance(type_code, str) else None
    return JavaList([value] * length)


__all__ = ["array", "zeros"]
