# Housekeeping: remove old versions of applications, then free their files with the garbage collector.
#
#   deployit-cli -q -f samples/maintenance/clean-versions.py -- [--keep N] [--dry-run] [Applications/App ...]
#
# Keeps the newest N versions of each application (default 3; `--keep N`, or N alone as first argument),
# ordered by version name with numeric parts compared as numbers (1.10 is newer than 1.9), and every version
# a udm.DeployedApplication uses. Without application ids, every udm.Application is cleaned. `--dry-run`
# lists what would be deleted and deletes nothing. A version that something else still refers to (a
# composite package) is kept with a message. Exits 1 when a deletion failed.
import re
import sys

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
    """1.9 < 1.10 < 2.0-rc1 < 2.0: numbers compare as numbers, text as text, a number before text."""
    name = version_id.rsplit("/", 1)[-1]
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.findall(r"\d+|[^\d.\-_]+", name)]


def deployed_versions():
    used = set()
    for deployed_app in repository.search("udm.DeployedApplication"):
        version = repository.read(deployed_app).values.get("version")
        if version is not None:
            used.add(getattr(version, "id", version))
    return used


def main():
    keep, dry_run, apps = parse(sys.argv[1:])
    apps = apps or list(repository.search("udm.Application"))
    used = deployed_versions()
    failures, deleted = 0, 0
    for app in apps:
        if not repository.exists(app):
            print("%s: no such application." % app)
            failures += 1
            continue
        versions = sorted(repository.search("udm.Version", app), key=version_key)
        old = versions[:max(0, len(versions) - keep)]
        candidates = [v for v in old if v not in used]
        in_use = [v for v in old if v in used]
        print("%s: %d version(s), keeping the newest %d%s" % (
            app, len(versions), min(keep, len(versions)),
            (" and deployed " + ", ".join(v.rsplit("/", 1)[-1] for v in in_use)) if in_use else ""))
        for version in candidates:
            if dry_run:
                print("  would delete %s" % version)
                continue
            try:
                repository.delete(version)
                deleted += 1
                print("  deleted %s" % version)
            except Exception as exc:  # a composite package still refers to it, ...
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
