# Schedule a deployment task for later, move it, then cancel it: the documentation's scheduling example
# (task2.schedule with a joda DateTime) written as CLI scripts were in the Jython days (Python 2 syntax).
#
# Usage: scripts/cli.sh -username admin -password admin -f samples/cli/schedule_task.py [name [hours [keep]]]
#   name   names the application, host and environment it creates (default: LaterApp)
#   hours  how far ahead to schedule the task first (default: 2)
#   keep   give 'keep' to leave the task scheduled (tomorrow at 23:34); otherwise it is cancelled and
#          what was created is removed
#
# test-args: CliScheduleTask 2
import sys
from org.joda.time import DateTime

name = len(sys.argv) > 1 and sys.argv[1] or 'LaterApp'
hours = len(sys.argv) > 2 and int(sys.argv[2]) or 2
keep = len(sys.argv) > 3 and sys.argv[3] == 'keep'

def create(ciId, ciType, values={}):
	return repository.create(factory.configurationItem(ciId, ciType, values))

host = create('Infrastructure/%s-host' % name, 'overthere.LocalHost', {'os': 'UNIX'})
env = create('Environments/%s-env' % name, 'udm.Environment', {'members': [host.id]})
app = create('Applications/%s' % name, 'udm.Application')
version = create(app.id + '/1.0', 'udm.DeploymentPackage')
create(version.id + '/run', 'cmd.Command', {'commandLine': 'echo it is time'})

depl = deployment.prepareAutoDeployeds(deployment.prepareInitial(version.id, env.id))
taskId = deployment.createDeployTask(depl).id

# The time is given in the local time zone; the server keeps and returns it in UTC.
task2.schedule(taskId, DateTime().plusHours(hours))
task = task2.get(taskId)
print "%s: %s in %d hours, at %s" % (task.description, task.state, hours, task.scheduledDate)

tomorrow = DateTime().plusDays(1)
later = DateTime(tomorrow.getYear(), tomorrow.getMonthOfYear(), tomorrow.getDayOfMonth(), 23, 34)
task2.schedule(taskId, later)
moved = task2.get(taskId).scheduledDate
print "Rescheduled for tomorrow at %s local time: %s" % (later.toString('HH:mm'), moved)
if moved.getMillis() != later.getMillis():
	print >> sys.stderr, "The server kept another time: %s" % moved
	sys.exit(1)

if keep:
	print "Task %s stays scheduled; deployit.cancelTask('%s') cancels it." % (taskId, taskId)
else:
	deployit.cancelTask(taskId)
	print "Cancelled: %s" % task2.get(taskId).state
	for ciId in [env.id, host.id, app.id]:
		repository.delete(ciId)
