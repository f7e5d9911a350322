"""Python 2's classic division: `a / b` floors when both operands are integers.

`a / b` becomes `__py2div__(a, b)` (the script globals provide it), and `x /= y` on a plain name
becomes `x = __py2div__(x, y)`. Skipped when the source says `from __future__ import division`.
"""

from fissix import fixer_base
from fissix.fixer_util import Call, Comma, Name
from fissix.pgen2 import token
from fissix.pygram import python_symbols as syms
from fissix.pytree import Leaf, Node


class FixClassicDivision(fixer_base.BaseFix):
    BM_compatible = False
    PATTERN = "term< any+ > | expr_stmt< NAME '/=' any >"

    def start_tree(self, tree, filename):
        super().start_tree(tree, filename)
        self.skip = "division" in tree.future_features

    def match(self, node):
        if self.skip:
            return False
        if node.type == syms.term:
            return any(child.type == token.SLASH for child in node.children)
        if node.type == syms.expr_stmt and len(node.children) == 3:
            target, op, _ = node.children
            return target.type == token.NAME and op.type == token.SLASHEQUAL
        return False

    def transform(self, node, results):
        if node.type == syms.expr_stmt:
            target, _, value = node.children
            value = value.clone()
            value.prefix = " "
            left = Name(target.value)
            call = Call(Name("__py2div__"), [left, Comma(), value], prefix=" ")
            return Node(syms.expr_stmt, [target.clone(), Leaf(token.EQUAL, "=", prefix=" "), call], prefix=node.prefix)
        children = node.children
        first = children[0].clone()
        prefix = first.prefix
        first.prefix = ""
        pending = [first]
        for i in range(1, len(children), 2):
            op, operand = children[i], children[i + 1].clone()
            if op.type == token.SLASH:
                left = pending[0] if len(pending) == 1 else Node(syms.term, pending)
                operand.prefix = " "
                pending = [Call(Name("__py2div__"), [left, Comma(), operand])]
            else:
                pending = pending + [op.clone(), operand]
        result = pending[0] if len(pending) == 1 else Node(syms.term, pending)
        result.prefix = prefix
        return result
