"""Show what upgrading a deployed application to another version would change, without deploying it.

Prints every deployed with its operation (CREATE, MODIFY, DESTROY, NOOP) and the properties that change,
then the plan the task would have. Nothing is created on the server.

Usage: scripts/cli.sh -username admin -password admin -f samples/cli/preview_upgrade.py \\
           DEPLOYED_APPLICATION NEW_VERSION [ORCHESTRATOR ...]
  DEPLOYED_APPLICATION  e.g. Environments/SampleEnv/Sample
  NEW_VERSION           e.g. Applications/Sample/2.0, or a package to import first (a name from
                        deployit.listImportablePackages(), a .dar file or an http(s) URL)
  ORCHESTRATOR          orchestrators to plan with, e.g. parallel-by-container

Exits 1 when the upgrade would not be valid (the validation messages are printed).
"""
# test-args: -- --help
import sys

USAGE = __doc__.split("Usage: ", 1)[1].split("\n\n", 1)[0]

args = sys.argv[1:]
if not args or args[0] in ("-h", "--help"):
    print("Usage: " + USAGE)
    sys.exit(0 if args else 2)
if len(args) < 2:
    sys.exit("Usage: " + USAGE)
deployed_app, new_version, orchestrators = args[0], args[1], args[2:]

if not repository.exists(new_version):
    new_version = deployit.importPackage(new_version).id
    print(f"Imported {new_version}")

upgrade = deployment.prepareUpgrade(new_version, deployed_app)
upgrade = deployment.prepareAutoDeployeds(upgrade)
if orchestrators:
    upgrade.deployedApplication.values["orchestrator"] = orchestrators
upgrade = deployment.validate(upgrade)

errors = [m for m in upgrade.validations if m.level == "ERROR"]
if errors:
    for message in errors:
        print(f"Invalid: {message}", file=sys.stderr)
    sys.exit(1)
for warning in upgrade.validations:
    print(f"Warning: {warning}")

deployment.preview(upgrade)
