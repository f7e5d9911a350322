# Housekeeping: remove old versions of applications, then free their files with the garbage collector.
#
#   deployit-cli -q -f samples/maintenance/clean-versions.py -- [--keep N] [--dry-run] [Applications/App ...]
#
# Keeps the newest N versions of each application (default 3; `--keep N`, or N alone as first argument),
# ordered as version numbers (packaging.version: 1.9 < 1.10 < 2.0-rc1 < 2.0), and every version still in
# use: one a udm.DeployedApplication is at, or one a udm.CompositePackage lists. Without application ids,
# every udm.Application is cleaned. `--dry-run` lists what would be deleted and deletes nothing. A version
# the server refuses to delete is kept with a message. Exits 1 when a deletion failed.
import re
import sys

from packaging.version import InvalidVersion, Version

USAGE = "usage: clean-versions.py [--keep N] [--dry-run] [application id ...]"


def parse(args):
    keep, dry_run, apps = 3, False, []
    args = list(args)
    while args:
        arg = args.pop(0)
        if arg in ("--dry-run", "-n"):
            dry_run = True
        elif arg in ("--keep", "-k"):
            if not args:
                sys.exit(USAGE)
            keep = args.pop(0)
        elif arg.startswith("--keep="):
            keep = arg.split("=", 1)[1]
        elif arg in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        elif arg.isdigit() and not apps:
            keep = arg
        elif arg.startswith("-"):
            sys.exit("Unknown option %s; %s" % (arg, USAGE))
        else:
            apps.append(arg.strip("/"))
    try:
        keep = int(keep)
    except ValueError:
        sys.exit("--keep needs a number, not %r." % keep)
    if keep < 0:
        sys.exit("--keep needs a number of versions of 0 or more.")
    return keep, dry_run, apps


def version_key(version_id):
    """Release order: 1.9 < 1.10 < 2.0-rc1 < 2.0 < 2.0.1. Names packaging.version cannot read (such as
    2015-03-build7) sort before those it can, among themselves with numbers compared as numbers."""
    name = version_id.rsplit("/", 1)[-1]
    try:
        return (1, Version(name), [])
    except InvalidVersion:
        parts = [(0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.findall(r"\d+|[^\d.\-_]+", name)]
        return (0, Version("0"), parts)


def in_use():
    """The versions that must stay: the one each deployed application is at, and the members of
    every composite package."""
    used = set()
    deployed_apps = list(repository.search("udm.DeployedApplication"))
    composites = list(repository.search("udm.CompositePackage"))
    for ci in (repository.read(deployed_apps + composites) if deployed_apps or composites else []):
        version = ci.values.get("version")
        if version is not None:
            used.add(getattr(version, "id", version))
        for member in ci.values.get("packages") or []:
            used.add(getattr(member, "id", member))
    return used


def main():
    keep, dry_run, apps = parse(sys.argv[1:])
    apps = apps or list(repository.search("udm.Application"))
    used = in_use()
    failures, deleted = 0, 0
    for app in apps:
        if not repository.exists(app):
            print("%s: no such application." % app)
            failures += 1
            continue
        versions = sorted(repository.search("udm.Version", app), key=version_key)
        old = versions[:max(0, len(versions) - keep)]
        candidates = [v for v in old if v not in used]
        kept = [v for v in old if v in used]
        print("%s: %d version(s), keeping the newest %d%s" % (
            app, len(versions), min(keep, len(versions)),
            (" and in use " + ", ".join(v.rsplit("/", 1)[-1] for v in kept)) if kept else ""))
        for version in candidates:
            if dry_run:
                print("  would delete %s" % version)
                continue
            try:
                repository.delete(version)
                deleted += 1
                print("  deleted %s" % version)
            except Exception as exc:  # the server refused (a permission, maintenance mode, ...)
                failures += 1
                print("  kept %s: %s" % (version, exc))
    if dry_run:
        print("Dry run: nothing was deleted.")
    else:
        print("Deleted %d version(s)." % deleted)
        deployit.runGarbageCollector()
    if failures:
        sys.exit(1)


main()
