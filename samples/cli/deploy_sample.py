# Deploy the sample application (samples/dar/Sample) to an environment on this machine, written as CLI
# scripts were in the Jython days (Python 2 syntax).
#
# Usage: scripts/cli.sh -username admin -password admin -f samples/cli/deploy_sample.py [environment [version [start]]]
#   environment  name of the environment to use, created when missing (default: SampleEnv)
#   version      the Sample version to deploy, 1.0 or 2.0 (default: 1.0)
#   start        give 'start' to run the task; otherwise it is only created and its id printed
#
# What is missing is created: two local hosts (web, app), a SQLite client on app, a dictionary and the
# environment. The version is imported when the repository does not have it: by name when it is in the
# server's importablePackages folder, else the package folder next to this script is uploaded. When
# an earlier version is deployed to the environment the deployment is an upgrade.
#
# test-args: CliSampleEnv
import os
import sys
import tempfile

envName = len(sys.argv) > 1 and sys.argv[1] or 'SampleEnv'
version = len(sys.argv) > 2 and sys.argv[2] or '1.0'
start = len(sys.argv) > 3 and sys.argv[3] == 'start'

here = os.path.dirname(os.path.abspath(sys.argv[0]))
appHome = os.path.join(tempfile.gettempdir(), 'deployit-sample', envName)

def ensure(ciId, ciType, values):
	"""Read the CI, or create it when it is not there."""
	if repository.exists(ciId):
		return repository.read(ciId)
	print "Creating %s" % ciId
	return repository.create(factory.configurationItem(ciId, ciType, values))

folder = ensure('Infrastructure/%s' % envName, 'core.Directory', {})
web = ensure(folder.id + '/web', 'overthere.LocalHost', {'os': 'UNIX', 'tags': ['web']})
app = ensure(folder.id + '/app', 'overthere.LocalHost', {'os': 'UNIX'})
db = ensure(app.id + '/sqlite', 'sql.SqliteClient', {'host': app.id, 'tags': ['db'],
                                                    'databaseFile': os.path.join(appHome, 'sample.db')})
settings = ensure('Environments/%s-settings' % envName, 'udm.Dictionary', {'entries': {
	'APP_HOME': appHome, 'APP_HOST': 'localhost', 'APP_PORT': '8080', 'GREETING': 'Hello from %s' % envName,
	'DB_URL': 'jdbc:sqlite:' + os.path.join(appHome, 'sample.db'), 'DB_USER': '<empty>'}})
env = ensure('Environments/%s' % envName, 'udm.Environment',
             {'members': [web.id, app.id, db.id], 'dictionaries': [settings.id]})

versionId = 'Applications/Sample/' + version
if repository.exists(versionId):
	package = repository.read(versionId)
elif ('Sample/' + version) in deployit.listImportablePackages():
	package = deployit.importPackage('Sample/' + version)
	print "Imported %s from the server's importable packages" % package.id
else:
	package = deployit.importPackage(os.path.join(here, '..', 'dar', 'Sample', version))
	print "Uploaded %s" % package.id

deployedAppId = env.id + '/Sample'
if deployment.isDeployed('Applications/Sample', env.id):
	print "Upgrading %s to %s" % (deployedAppId, package.id)
	depl = deployment.prepareUpgrade(package.id, deployedAppId)
else:
	print "Deploying %s to %s" % (package.id, env.id)
	depl = deployment.prepareInitial(package.id, env.id)
depl = deployment.prepareAutoDeployeds(depl)
depl.deployedApplication.values['orchestrator'] = 'parallel-by-container'
depl = deployment.validate(depl)

errors = [v for v in depl.validations if v.level == 'ERROR']
if errors:
	for v in errors:
		print >> sys.stderr, "Invalid: %s" % v
	sys.exit(1)

print "%d deployeds (orchestrator %s):" % (len(depl.deployeds), depl.deployedApplication.values['orchestrator'].get(0))
for d in depl.deployeds:
	print "  %-45s %s" % (d.id, d.type)

deployment.preview(depl)
task = deployment.createDeployTask(depl)
print "Created task %s (%s)" % (task.id, task.state)
if start:
	deployit.startTaskAndWait(task.id)
	print "Task %s: %s" % (task.id, task2.get(task.id).state)
else:
	print "Start it with: deployit.startTaskAndWait('%s')" % task.id
