"""The objects of the shell (`deployit`, `factory`, `repository`, `security`, ...), built for one session.

An object joins by appending to OBJECTS: (global name, "module:Class"); the `help` listing follows
this table.
"""

from __future__ import annotations

import importlib

OBJECTS = [
    ("deployit", "deployit_cli.objects.deployit:Deployit"),
    ("deployment", "deployit_cli.objects.deployment:DeploymentService"),
    ("factory", "deployit_cli.objects.factory:Factory"),
    ("repository", "deployit_cli.objects.repository:Repository"),
    ("security", "deployit_cli.objects.security:Security"),
    ("task2", "deployit_cli.objects.task2:Task2"),
    ("tasks", "deployit_cli.objects.tasks:Tasks"),
]


def build(session) -> dict:
    """name -> object for every available object."""
    objects = {}
    for name, where in OBJECTS:
        module_name, _, class_name = where.partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        objects[name] = cls(session)
    return objects
