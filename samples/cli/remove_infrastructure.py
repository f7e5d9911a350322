# Remove what create_infrastructure.py made: the environment, its dictionary and the host folder.
# Python 2 style, with the try/except existence test old scripts use.
#
# Usage: scripts/cli.sh -username admin -password admin -f samples/cli/remove_infrastructure.py [name]
import sys

name = len(sys.argv) > 1 and sys.argv[1] or 'Sample'
removed = 0
for ciId in ['Environments/%s' % name, 'Environments/%s-settings' % name, 'Infrastructure/%s' % name]:
    try:
        ci = repository.read(ciId)
    except Exception, e:
        print "Not there: %s" % ciId
        continue
    repository.delete(ci.id)
    removed += 1
    print "Removed %s (%s)" % (ci.id, ci.type)

if removed == 0:
    print >> sys.stderr, "Nothing to remove for %s" % name
    sys.exit(1)
