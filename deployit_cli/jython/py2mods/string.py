"""Python 2's `string` module: Python 3's plus the functions and constants Python 3 removed
(`string.join`, `string.split`, `string.upper`, `string.letters`...)."""

from string import *  # noqa: F401,F403 - everything Python 3's string module has
from string import Formatter, Template, ascii_letters, ascii_lowercase, ascii_uppercase  # noqa: F401
from string import capwords, digits, hexdigits, octdigits, printable, punctuation, whitespace  # noqa: F401

letters = ascii_letters
lowercase = ascii_lowercase
uppercase = ascii_uppercase


def join(words, sep=" "):
    return sep.join(words)


joinfields = join


def split(s, sep=None, maxsplit=-1):
    return s.split(sep, maxsplit)


splitfields = split


def rsplit(s, sep=None, maxsplit=-1):
    return s.rsplit(sep, maxsplit)


def upper(s):
    return s.upper()


def lower(s):
    return s.lower()


def swapcase(s):
    return s.swapcase()


def capitalize(s):
    return s.capitalize()


def strip(s, chars=None):
    return s.strip(chars)


def lstrip(s, chars=None):
    return s.lstrip(chars)


def rstrip(s, chars=None):
    return s.rstrip(chars)


def replace(s, old, new, maxreplace=-1):
    return s.replace(old, new, maxreplace)


def find(s, sub, *args):
    return s.find(sub, *args)


def rfind(s, sub, *args):
    return s.rfind(sub, *args)


def index(s, sub, *args):
    return s.index(sub, *args)


def rindex(s, sub, *args):
    return s.rindex(sub, *args)


def count(s, sub, *args):
    return s.count(sub, *args)


def zfill(x, width):
    return (x if isinstance(x, str) else repr(x)).zfill(width)


def ljust(s, width, fillchar=" "):
    return s.ljust(width, fillchar)


def rjust(s, width, fillchar=" "):
    return s.rjust(width, fillchar)


def center(s, width, fillchar=" "):
    return s.center(width, fillchar)


def expandtabs(s, tabsize=8):
    return s.expandtabs(tabsize)


def atoi(s, base=10):
    return int(s, base)


def atol(s, base=10):
    return int(s, base)


def atof(s):
    return float(s)


def maketrans(frm, to):
    return str.maketrans(frm, to)


def translate(s, table, deletions=""):
    if deletions:
        table = dict(table) if isinstance(table, dict) else str.maketrans("", "")
        table.update({ord(c): None for c in deletions})
    return s.translate(table)
