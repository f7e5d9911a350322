"""sorted(x, f) / x.sort(f) / sort(cmp=f) -> key=__cmp_to_key__(f), without adding an import line
(which would shift line numbers): the script globals provide __cmp_to_key__.

Java's static `Collections.sort(list, comparator)` / `Arrays.sort(...)` look like a list's sort
with arguments: calls on a capitalised name (a class) are left alone.
"""

from fissix.fixer_util import Call, Name
from fissix.fixes.fix_sorted import FixSorted
from fissix.pgen2 import token
from fissix.pygram import python_symbols as symbols


class FixSortedCmp(FixSorted):
    def match(self, node):
        results = super().match(node)
        if results and node.type == symbols.power:
            children = node.children
            for i, child in enumerate(children):
                if (
                    child.type == symbols.trailer
                    and len(child.children) == 2
                    and child.children[1].value == "sort"
                ):
                    head = children[0]
                    if i == 1 and head.type == token.NAME and head.value[:1].isupper():
                        return False
                    break
        return results

    def _transform_cmp(self, nodes, result):
        if not nodes:
            return
        arguments = [arg for arg in nodes if arg.type == symbols.argument]
        names = [arg.children[0].value for arg in arguments]
        if "cmp" not in names or "key" in names:
            return
        cmp_node = arguments[names.index("cmp")]
        cmp_node.children[0].value = "key"
        cmp_node.children[2].replace(Call(Name("__cmp_to_key__"), args=[cmp_node.children[2].clone()]))
