"""Print statements -> `__py2print__(...)`, a print() with Python 2's soft space: after
`print "a",` the next print statement writes the separating space, and a bare `print` ends the
line without one, so output matches Python 2 byte for byte. A print(...) call in Python 2 source
(one parenthesised argument) goes the same way; print() calls of Python 3 code are untouched.
"""

from fissix.fixer_util import Call, Name
from fissix.fixes.fix_print import FixPrint, parend_expr

PRINT = "__py2print__"


class FixPrintSoftspace(FixPrint):
    def transform(self, node, results):
        bare = results.get("bare")
        if bare:
            bare.replace(Call(Name(PRINT), [], prefix=bare.prefix))
            return None
        args = node.children[1:]
        if len(args) == 1 and parend_expr.match(args[0]):
            new = Call(Name(PRINT), [a.clone() for a in args[0].children[1:-1]], prefix=node.prefix)
            return new
        new = super().transform(node, results)
        if new is not None:
            new.children[0].value = PRINT
        return new
