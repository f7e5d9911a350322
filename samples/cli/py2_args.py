"""Print the script's arguments as the Jython CLI set them (Python 2 style).

sys.argv[0] is the script given with -f, the rest are the arguments after the options (or `--`).

Usage: scripts/cli.sh -username admin -password admin -f samples/cli/py2_args.py -- -some-argument two words
"""
import sys

print sys.argv
print len(sys.argv)
for i, arg in enumerate(sys.argv[1:]):
    print 'arg %d: %s' % (i + 1, arg)
