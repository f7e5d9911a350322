# Security set-up for the Payments release teams: users, roles, and permissions on directories,
# written as release teams wrote their CLI scripts in the Jython days (Python 2 syntax). Safe to run
# again.
#
# Usage (as an admin): scripts/cli.sh -username admin -password admin -f samples/cli/security_setup.py [password]
#   password  the first password of the new users (default: changeme); they change it with
#             security.modifyUser
#
# The model: permissions are granted to roles, users get roles. Permissions set on a directory replace
# those inherited from above (so each directory below lists read again), and every directory above
# must grant read for the grants below to count.
import sys

password = len(sys.argv) > 1 and sys.argv[1] or 'changeme'

TEAMS = {
    'payments-deployers': ['dave', 'dora'],
    'payments-ops':       ['olivia'],
}

def ensure_directory(id):
    if not repository.exists(id):
        repository.create(factory.configurationItem(id, 'core.Directory'))
        print "Created directory %s" % id

def ensure_user(name):
    try:
        security.readUser(name)
        print "User %s exists" % name
    except Exception, e:
        security.createUser(name, password)
        print "Created user %s" % name

for folder in ['Applications/Payments', 'Environments/Payments', 'Environments/Payments/Test',
               'Environments/Payments/Prod', 'Infrastructure/Payments']:
    ensure_directory(folder)

for role, members in TEAMS.items():
    for member in members:
        ensure_user(member)
    security.assignRole(role, members)
security.assignRole('payments-auditors', [])     # an empty role, filled in later

everyone = TEAMS.keys()
for role in everyone:
    security.grant('login', role)
    # read on the roots: every directory above must grant read for the grants below to count
    security.grant('read', role, ['Applications', 'Environments', 'Infrastructure'])

# Applications/Payments: deployers import the packages, ops only look
security.grant('read', 'payments-ops', ['Applications/Payments'])
for permission in ['read', 'import#initial', 'import#upgrade', 'import#remove']:
    security.grant(permission, 'payments-deployers', ['Applications/Payments'])

# Environments/Payments/Test: deployers deploy, and may skip steps of their tasks
for permission in ['read', 'deploy#initial', 'deploy#upgrade', 'deploy#undeploy', 'task#skip_step']:
    security.grant(permission, 'payments-deployers', ['Environments/Payments/Test'])
security.grant('read', 'payments-ops', ['Environments/Payments/Test'])

# Environments/Payments/Prod: only ops deploy; they may take over a deployer's task there
for permission in ['read', 'deploy#initial', 'deploy#upgrade', 'deploy#undeploy', 'task#takeover']:
    security.grant(permission, 'payments-ops', ['Environments/Payments/Prod'])
security.grant('read', 'payments-deployers', ['Environments/Payments/Prod'])

# Infrastructure/Payments: ops keep the hosts; deployers see them (a deployment needs read on its targets)
security.grant('read', 'payments-deployers', ['Infrastructure/Payments'])
for permission in ['read', 'repo#edit', 'controltask#execute']:
    security.grant(permission, 'payments-ops', ['Infrastructure/Payments'])

security.grant('report#view', 'payments-ops')

for role in sorted(security.getRoleNames()):
    if role.startswith('payments-'):
        print security.getPermissions(role)
