"""The same kind of script in Python 3 style: print(), f-strings, dict views, true division.

Valid Python 3 runs as it is, without translation.

Usage: scripts/cli.sh -username admin -password admin -f samples/cli/py3_style.py [args ...]
"""
import sys

hosts = {'web-1': 8080, 'web-2': 8081}
for name, port in sorted(hosts.items()):
    print(f"{name:<6} -> {port}")
print(f"{len(hosts)} hosts, total {sum(hosts.values())}", end="\n")
print("keys:", ", ".join(sorted(hosts.keys() & {'web-1', 'web-3'})))
print(f"args: {sys.argv[1:]}", 7 / 2, 7 // 2, sep=" | ")
