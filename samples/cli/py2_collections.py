"""Java-style collections in a script written for the Jython 2.7 CLI (Python 2 style).

print statements, java.util imports, tabs mixed with spaces, has_key, iteritems, `except X, e`,
backticks and long literals. It calls no server object; its output is deterministic, so tests
compare it line by line.

Usage: scripts/cli.sh -username admin -password admin -f samples/cli/py2_collections.py
"""
from java.util import HashMap, ArrayList
import string

hosts = ArrayList()
for name in ['web-1', 'web-2', 'db-1']:
	hosts.add('Infrastructure/' + name)

ports = HashMap()
ports.put('http', 8080)
ports.put('https', 8443)

print 'hosts:', hosts.size()
for i in range(hosts.size()):
        host = hosts.get(i)
	if host.endswith('-1'):
	    print '  first of its kind:', host
        else:
	    print '  other:', host

if ports.has_key('http'):
	print 'http port', ports.get('http')
keys = ports.keySet()
print 'keys:', string.join(sorted(keys), ', ')
for name, port in sorted(ports.iteritems()):
    print '%-6s -> %d' % (name, port)

total = 0L
for port in ports.values():
	total += port
print 'average port:', total / ports.size()

try:
    ports.get('missing').bit_length()
except AttributeError, e:
	print 'no such port:', ports.get('missing')

summary = {}
for host in hosts:
    kind = host.split('/')[1].split('-')[0]
    if not summary.has_key(kind):
	summary[kind] = 0
    summary[kind] += 1
for kind, count in sorted(summary.iteritems()):
    print kind, count,
print
print 'done', `len(hosts)`
