# Deploy an application of one command to this machine and follow its task, as CLI scripts did in the
# Jython days (Python 2 syntax): startTaskAndWait, retrieveTaskInfo, the step's log, TaskExecutionState.
#
# Usage: scripts/cli.sh -username admin -password admin -f samples/cli/run_deployment.py [name [command ...]]
#   name     names the application, host and environment it creates (default: HelloApp)
#   command  the command line the deployment runs, split on spaces, no shell (default: echo hello)
#
# The application is undeployed and everything created is removed at the end. When the command fails
# the task is reported, cancelled, and the script exits with status 1.
#
# test-args: CliRunDeployment
import sys
from com.xebialabs.deployit.engine.api.execution import TaskExecutionState

name = len(sys.argv) > 1 and sys.argv[1] or 'HelloApp'
command = len(sys.argv) > 2 and ' '.join(sys.argv[2:]) or 'echo hello'

def create(ciId, ciType, values={}):
	return repository.create(factory.configurationItem(ciId, ciType, values))

def removeAll():
	for ciId in ['Environments/%s-env' % name, 'Infrastructure/%s-host' % name, 'Applications/%s' % name]:
		if repository.exists(ciId):
			repository.delete(ciId)

host = create('Infrastructure/%s-host' % name, 'overthere.LocalHost', {'os': 'UNIX'})
env = create('Environments/%s-env' % name, 'udm.Environment', {'members': [host.id]})
app = create('Applications/%s' % name, 'udm.Application')
version = create(app.id + '/1.0', 'udm.DeploymentPackage')
create(version.id + '/run', 'cmd.Command', {'commandLine': command})

depl = deployment.prepareAutoDeployeds(deployment.prepareInitial(version.id, env.id))
taskId = deployment.createDeployTask(depl).id
deployit.startTaskAndWait(taskId)

info = deployit.retrieveTaskInfo(taskId)
print "%s: %s at step %d of %d" % (info.description, info.state, info.currentStepNr, info.nrOfSteps)
print "The log of step 0_1_1_1:"
for line in task2.getStepLog(taskId, '0_1_1_1').log().split('\n'):
	print "    " + line

if info.state != TaskExecutionState.DONE:
	print >> sys.stderr, "The deployment of %s is %s; cancelling it." % (name, info.state)
	deployit.cancelTask(taskId)
	removeAll()
	sys.exit(1)

deployedAppId = env.id + '/' + app.name
undeployId = deployment.createUndeployTask(deployedAppId).id
deployit.startTaskAndWait(undeployId)
if task2.get(undeployId).state == "DONE" and not repository.exists(deployedAppId):
	print "Undeployed %s" % deployedAppId
removeAll()
