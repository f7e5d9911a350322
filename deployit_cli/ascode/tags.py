"""The value tags of xl's YAML, replaced by their values before a file is read: `!value NAME` (the value
as it is) and `!format "jdbc:%DB_HOST%:%DB_PORT%"` (values put into text; `%%` is a percent sign).

Values come from the XL values (see `values.XlValues`). `!secret` (password properties) and `!file`
(artifacts) stay for the reader; any other tag is refused with one sentence.
"""

from __future__ import annotations

from .document import FILE_TAG, SECRET_TAG, AsCodeError, line_of, scalar_text, tag_of

VALUE_TAG = "!value"
FORMAT_TAG = "!format"
KNOWN = (VALUE_TAG, FORMAT_TAG, SECRET_TAG, FILE_TAG)


def _hint(name: str) -> str:
    return f"give it with --values {name}=..., XL_VALUE_{name} or {name}=... in a .xlvals file"


def substitute(text: str, values, where: str) -> str:
    """`text` with each %NAME% replaced by the value NAME; `%%` stands for one percent sign."""
    out, name, inside = [], [], False
    for char in text:
        if char != "%":
            (name if inside else out).append(char)
        elif not inside:
            inside = True
        else:
            key = "".join(name)
            if not key:
                out.append("%")
            else:
                value = values.get(key)
                if value is None:
                    raise AsCodeError(f'{where}: !format "{text}" uses %{key}%, which has no value; {_hint(key)}.')
                out.append(value)
            name, inside = [], False
    if inside:
        raise AsCodeError(f'{where}: !format "{text}" has a % without its closing %; write %% for a percent sign.')
    return "".join(out)


def resolve(node, values, source: str) -> None:
    """Replace the `!value` and `!format` scalars under a loaded document, in place."""
    if hasattr(node, "items"):
        for key in list(node.keys()):
            node[key] = _resolved(node[key], values, source, node, key, None)
    elif isinstance(node, list):
        for index in range(len(node)):
            node[index] = _resolved(node[index], values, source, node, None, index)


def _resolved(value, values, source, parent, key, index):
    tag = tag_of(value)
    if tag is None:
        resolve(value, values, source)
        return value
    where = _where(source, parent, key, index)
    if tag not in KNOWN:
        raise AsCodeError(f"{where}: the tag {tag} is not supported; the tags are {', '.join(KNOWN)}.")
    if tag in (SECRET_TAG, FILE_TAG):
        return value
    text = scalar_text(value.value).strip() if value.value is not None else ""
    if tag == FORMAT_TAG:
        return substitute(scalar_text(value.value) if value.value is not None else "", values, where)
    if not text:
        raise AsCodeError(f"{where}: !value needs the name of a value, such as !value DB_HOST.")
    found = values.get(text)
    if found is None:
        raise AsCodeError(f"{where}: !value {text} has no value; {_hint(text)}.")
    return found


def _where(source: str, parent, key, index) -> str:
    line = None
    if key is not None:
        line = line_of(parent, key)
    else:
        try:
            line = parent.lc.item(index)[0] + 1
        except (AttributeError, KeyError, IndexError, TypeError):
            line = None
    return f"{source}, line {line}" if line else source
