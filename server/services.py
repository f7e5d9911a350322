"""Wiring: builds the services of one server from its configuration (no web code here)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from .config import ServerConfig
from .engine.store import TaskStore
from .planning.adapter import DeploymentService, load_rules
from .packages.service import PackageService
from .repository.artifacts import ArtifactStore
from .repository.schema import make_engine
from .repository.service import Repository
from .security.secrets import Secrets
from .security.users import UserStore
from .types import TypeRegistry, load_registry

log = logging.getLogger(__name__)


@dataclass
class Services:
    config: ServerConfig
    engine: Engine
    types: TypeRegistry
    secrets: Secrets
    repository: Repository
    users: UserStore
    packages: PackageService
    tasks: TaskStore
    deployments: DeploymentService


def build_services(config: ServerConfig) -> Services:
    types = load_registry(config.plugins_dir, config.defaults_properties())
    log.info("Loaded %d types", len(types.types))
    engine = make_engine(config.url)
    secrets = Secrets.from_home(config.conf_dir)
    repository = Repository(engine, types, secrets, ArtifactStore(config.artifacts_dir))
    repository.init_roots()
    users = UserStore(engine)
    if users.ensure_admin(config.admin_password):
        log.info("Created user admin")
    rules = load_rules(config.home, types)
    tasks = TaskStore(engine)
    deployments = DeploymentService(repository, types, secrets, rules, tasks)
    packages = PackageService.from_config(repository, types, config)
    return Services(config=config, engine=engine, types=types, secrets=secrets, repository=repository, users=users,
                    packages=packages, tasks=tasks, deployments=deployments)
