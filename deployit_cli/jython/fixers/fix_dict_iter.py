"""d.iteritems() -> iter(d.items()) (and iterkeys/itervalues), leaving d.keys() etc. alone: for
valid Python 3 source, whose keys() results may be used as views."""

from fissix.fixes.fix_dict import FixDict


class FixDictIter(FixDict):
    def transform(self, node, results):
        if not results["method"][0].value.startswith("iter"):
            return None
        return super().transform(node, results)
