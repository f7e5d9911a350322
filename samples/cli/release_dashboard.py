# Release dashboard set-up, in the style of XL Deploy's demo scripts (Python 2, as the Jython CLI ran them):
# a deployment pipeline DEV -> TEST -> PROD on this machine, checklists on TEST and PROD, a mail to the team
# when a deployment to PROD ends, then a deployment that the checklist refuses, and the pipeline as a table.
# Usage: deployit-cli -f samples/cli/release_dashboard.py -- [NAME [SMTP_PORT]]
# test-args: ReleaseDemo 2525
import sys

name = len(sys.argv) > 1 and sys.argv[1] or 'ReleaseDemo'
smtpPort = len(sys.argv) > 2 and sys.argv[2] or '25'

def createIfMissing(id, type, props={}):
    if repository.exists(id):
        print "Skipping %s" % id
        return repository.read(id)
    print "Creating %s" % id
    return repository.create(factory.configurationItem(id, type, props))

createIfMissing('Infrastructure/%s' % name, 'core.Directory')
envs = []
for env in ['DEV', 'TEST', 'PROD']:
    host = createIfMissing('Infrastructure/%s/%s-host' % (name, env), 'overthere.LocalHost', {'os': 'UNIX'})
    envs.append(createIfMissing('Environments/%s-%s' % (name, env), 'udm.Environment', {'members': [host.id]}).id)

# Release overview: define deployment pipeline
pipeline = createIfMissing('Configuration/%s-pipeline' % name, 'release.DeploymentPipeline', {'pipeline': envs})
app = createIfMissing('Applications/%s' % name, 'udm.Application')
app = repository.read(app.id)
app.pipeline = pipeline.id
repository.update(app)

# Deployment checklists
env = repository.read(envs[1])
env.requiresReleaseNotes = 'true'
repository.update(env)
env = repository.read(envs[2])
env.requiresReleaseNotes = 'true'
env.requiresPerformanceTested = 'true'
env.requiresChangeTicketNumber = 'true'
repository.update(env)

# Notifications
createIfMissing('Configuration/%s-smtp' % name, 'mail.SmtpServer',
                {'host': 'localhost', 'port': smtpPort, 'fromAddress': 'xldeploy@example.com'})
myEmailAction = factory.configurationItem('Configuration/%s-mail' % name, 'trigger.EmailNotification')
myEmailAction.mailServer = 'Configuration/%s-smtp' % name
myEmailAction.subject = "Application ${deployedApplication.version.application.name} is ${task.state} on ${deployedApplication.environment.name}"
myEmailAction.toAddresses = ['team@example.com']
myEmailAction.body = "Task ${task.description} by ${task.owner}"
if not repository.exists(myEmailAction.id):
    repository.create(myEmailAction)
taskTrigger = factory.configurationItem('Configuration/%s-trigger' % name, 'trigger.TaskTrigger')
taskTrigger.fromState = 'ANY'
taskTrigger.toState = 'EXECUTED'
taskTrigger.actions = [myEmailAction]
if not repository.exists(taskTrigger.id):
    repository.create(taskTrigger)
env = repository.read(envs[2])
env.triggers = [taskTrigger.id]
repository.update(env)

# A version, deployed to DEV
version = createIfMissing('Applications/%s/1.0' % name, 'udm.DeploymentPackage')
createIfMissing(version.id + '/hello', 'cmd.Command', {'commandLine': 'echo hello from %s' % name})

def deploy(versionId, envId):
    depl = deployment.prepareInitial(versionId, envId)
    depl = deployment.prepareAutoDeployeds(depl)
    taskId = deployment.createDeployTask(depl).id
    deployit.startTaskAndWait(taskId)

if not deployment.isDeployed(app.id, envs[0]):
    deploy(version.id, envs[0])

# TEST requires release notes: refused until the version satisfies it
try:
    deploy(version.id, envs[1])
    print "Deployed to TEST without release notes?"
except Exception, e:
    print "Refused: %s" % e

def satisfies(id, prop, value='true'):
    v = repository.read(id)
    setattr(v, prop, value)
    repository.update(v)

satisfies(version.id, 'satisfiesReleaseNotes')
deployit.printPipeline(app.id)
