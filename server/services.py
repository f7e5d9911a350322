"""Wiring: builds the services of one server from its configuration (no web code here)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from .config import ServerConfig
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
    return Services(config=config, engine=engine, types=types, secrets=secrets, repository=repository, users=users)
