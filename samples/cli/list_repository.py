"""Print the CIs under one or more folders as a tree, with their types (Python 3 style).

Usage: scripts/cli.sh -username admin -password admin -f samples/cli/list_repository.py [folder ...]
       (default folders: Infrastructure Environments)
"""
import sys


def show(parent, depth):
    for ci_id in repository.search(None, parent):
        ci = repository.read(ci_id)
        print("%s- %s [%s]" % ("  " * depth, ci.name, ci.type))
        show(ci_id, depth + 1)


for folder in sys.argv[1:] or ["Infrastructure", "Environments"]:
    if not repository.exists(folder):
        print("%s: no such CI" % folder, file=sys.stderr)
        sys.exit(2)
    print(folder)
    show(folder, 1)
