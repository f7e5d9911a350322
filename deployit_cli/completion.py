"""Tab completion at the prompt: names and attributes of the namespace, CI types where a type is expected
(`factory.configurationItem('Infrastructure/h', 'overthere.<TAB>`), and repository ids inside any other
string argument (`repository.read('Infrastructure/<TAB>` asks the server for the children of the folder).
"""

from __future__ import annotations

import keyword
import builtins
import re

from prompt_toolkit.completion import Completer, Completion

ROOTS = ("Applications", "Environments", "Infrastructure", "Configuration")

# method name -> index of the argument that is a CI type
TYPE_ARGUMENTS = {"configurationItem": 1, "artifact": 1, "artifactAsInputStream": 1, "search": 0,
                  "describe": 0, "getDescriptor": 0}

_NAME_BEFORE = re.compile(r"([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*$")
_ATTRIBUTE = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(\w*)$")
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)$")


def string_context(text: str):
    """When `text` ends inside an unclosed string literal: (text typed in the string, dotted name of the
    call the string is an argument of or None, index of that argument or None). Otherwise None."""
    stack: list[list] = []
    quote = None
    start = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            if ch == "\n" and len(quote) == 1:
                quote = None
            i += 1
            continue
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else ch
            i += len(quote)
            start = i
            continue
        if ch in "([{":
            name = None
            if ch == "(":
                match = _NAME_BEFORE.search(text[:i])
                name = re.sub(r"\s+", "", match.group(1)) if match else None
            stack.append([ch, name, 0])
        elif ch in ")]}":
            if stack:
                stack.pop()
        elif ch == "," and stack:
            stack[-1][2] += 1
        i += 1
    if quote is None:
        return None
    call = stack[-1] if stack and stack[-1][0] == "(" else None
    return text[start:], (call[1] if call else None), (call[2] if call else None)


class DeployitCompleter(Completer):
    def __init__(self, namespace: dict, session):
        self.namespace = namespace
        self.session = session

    def get_completions(self, document, complete_event):
        text = document.text_before_cursor
        context = string_context(text)
        if context is not None:
            yield from self._string_completions(*context)
            return
        match = _ATTRIBUTE.search(text)
        if match:
            yield from self._attribute_completions(match.group(1), match.group(2))
            return
        match = _NAME.search(text)
        if match:
            yield from self._name_completions(match.group(1))

    # -- inside strings ------------------------------------------------------------------------
    def _string_completions(self, prefix: str, call: str | None, argument: int | None):
        method = call.rsplit(".", 1)[-1] if call else None
        if method in TYPE_ARGUMENTS and TYPE_ARGUMENTS[method] == argument:
            yield from self._type_completions(prefix, concrete=method != "search")
        elif "/" in prefix or (prefix and any(r.startswith(prefix) for r in ROOTS)) or not prefix:
            yield from self._id_completions(prefix)
        elif "." in prefix:
            yield from self._type_completions(prefix, concrete=False)

    def _type_completions(self, prefix: str, concrete: bool):
        try:
            descriptors = self.session.types.all()
        except Exception:  # no completion beats a broken prompt
            return
        for desc in sorted(descriptors, key=lambda d: d.type):
            if desc.type.startswith(prefix) and not (concrete and desc.virtual):
                yield Completion(desc.type, start_position=-len(prefix), display_meta=desc.description[:60])

    def _id_completions(self, prefix: str):
        if "/" not in prefix:
            for root in ROOTS:
                if root.startswith(prefix):
                    yield Completion(root, start_position=-len(prefix))
            return
        parent = prefix.rsplit("/", 1)[0]
        try:
            refs = self.session.client.get("/repository/query", params={"parent": parent}) or []
        except Exception:  # an unknown parent or a server error: simply no completions
            return
        for ref in refs:
            ci_id = str(ref.get("ref", ""))
            if ci_id.startswith(prefix):
                yield Completion(ci_id, start_position=-len(prefix), display=ci_id.rsplit("/", 1)[-1],
                                 display_meta=ref.get("type", ""))

    # -- code ----------------------------------------------------------------------------------
    def _resolve(self, dotted: str):
        parts = dotted.split(".")
        if parts[0] in self.namespace:
            obj = self.namespace[parts[0]]
        elif hasattr(builtins, parts[0]):
            obj = getattr(builtins, parts[0])
        else:
            raise LookupError(dotted)
        for part in parts[1:]:
            obj = getattr(obj, part)
        return obj

    def _attribute_completions(self, dotted: str, prefix: str):
        try:
            obj = self._resolve(dotted)
            names = dir(obj)
        except Exception:  # unknown names or failing attributes give no completions
            return
        for name in sorted(set(names)):
            if not name.startswith(prefix) or (name.startswith("_") and not prefix.startswith("_")):
                continue
            meta = ""
            try:
                member = getattr(type(obj), name, None)
                sigs = getattr(member, "__signatures__", None)
                if sigs:
                    meta = sigs[0]
            except Exception:  # the meta text is a nicety
                pass
            yield Completion(name, start_position=-len(prefix), display_meta=meta)

    def _name_completions(self, prefix: str):
        names = set(k for k in self.namespace if not k.startswith("__"))
        names |= set(n for n in dir(builtins) if not n.startswith("_"))
        names |= set(keyword.kwlist)
        for name in sorted(names):
            if name.startswith(prefix) and name != prefix:
                yield Completion(name, start_position=-len(prefix))
