# Create (or update) a small infrastructure: a folder with two SSH hosts, a dictionary and an
# environment that uses them. Written as CLI scripts were in the Jython days (Python 2 syntax).
#
# Usage: scripts/cli.sh -username admin -password admin -f samples/cli/create_infrastructure.py [name [hosts]]
#   name   folder and environment name (default: Sample)
#   hosts  number of hosts (default: 2)
import sys

name = len(sys.argv) > 1 and sys.argv[1] or 'Sample'
count = len(sys.argv) > 2 and int(sys.argv[2]) or 2

def save(ci):
	"""Create the CI, or update it when it is already there."""
	if repository.exists(ci.id):
		current = repository.read(ci.id)
		for key, value in ci.values.iteritems():
			current.values[key] = value
		print "Updating %s" % ci.id
		return repository.update(current)
	print "Creating %s" % ci.id
	return repository.create(ci)

folder = save(factory.configurationItem('Infrastructure/%s' % name, 'core.Directory'))

hosts = []
for i in range(1, count + 1):
	host = factory.configurationItem('%s/host-%d' % (folder.id, i), 'overthere.SshHost',
	                                 {'os': 'UNIX', 'address': 'host-%d.example.com' % i,
	                                  'username': 'deployer', 'password': 'secret'})
        host.tags = ['web']     # this line is indented with spaces, the others with tabs, as old scripts were
	hosts.append(save(host))

dictionary = factory.configurationItem('Environments/%s-settings' % name, 'udm.Dictionary')
dictionary.entries = {'ENVIRONMENT': name, 'GREETING': 'hello'}
dictionary = save(dictionary)

environment = factory.configurationItem('Environments/%s' % name, 'udm.Environment')
environment.members = [h.id for h in hosts]
environment.dictionaries = [dictionary.id]
environment = save(environment)

first = repository.read(hosts[0].id)
print "First host: %s at %s, tags %s" % (first.name, first.address, list(first.tags))
deployit.print(first)
print "Environment %s has %d members: %s" % (environment.id, len(environment.members),
                                             ', '.join(sorted(environment.members)))
