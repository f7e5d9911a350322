"""Wiring: builds the services of one server from its configuration (no web code here)."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from typing import Callable

from .config import ServerConfig, earlier_defaults
from .engine.control import ControlTasks
from .engine.engine import TaskEngine
from .engine.reading import TaskViews
from .engine.store import TaskStore
from .engine.wakeup import Wakeup
from .exchange.tasks import Exchange
from .deployments.rulefiles import load_rules
from .deployments.service import DeploymentService
from .release.pipeline import Pipelines
from .release.reports import Reports
from .maintenance import gc as garbage
from .notifications.triggers import Notifier
from .maintenance.mode import ServerMode
from .packages.archives import ArchiveLimits
from .packages.limits import PackageLimits
from .packages.service import PackageService
from .repository.artifacts import ArtifactStore, DatabaseArtifactStore
from .repository.service import Repository
from .security.audit import Audit
from .security.guesses import GuessLimit
from .security.policy import Policy
from .store.secrets import Secrets
from .security.service import Security
from .security.store import SecurityStore
from .security.users import UserStore
from .store import schema_version
from .store.database import Database
from .types import TypeRegistry, load_registry

log = logging.getLogger(__name__)


@dataclass
class Services:
    config: ServerConfig
    db: Database
    types: TypeRegistry
    secrets: Secrets
    repository: Repository
    users: UserStore
    packages: PackageService
    tasks: TaskStore
    deployments: DeploymentService
    task_engine: TaskEngine
    task_views: TaskViews
    controls: ControlTasks
    security: Security
    policy: Policy
    audit: Audit
    guesses: GuessLimit | None = None
    exchange: Exchange | None = None
    gc: garbage.GarbageCollector | None = None
    mode: ServerMode | None = None
    pipelines: Pipelines | None = None
    notifier: Notifier | None = None
    reports: Reports | None = None
    # Set by deployit-server (server/main.py): ends the process cleanly, as SIGTERM does.
    request_shutdown: Callable[[], None] | None = None


def build_services(config: ServerConfig) -> Services:
    for notice in earlier_defaults(config.properties or {}):
        log.warning(notice)
    types = load_registry(config.plugins_dir, config.defaults_properties(), config.ext_dir)
    log.info("Loaded %d types", len(types.types))
    schema_version.upgrade(config.url)
    db = Database(config.url)
    secrets = Secrets.from_home(config.conf_dir)
    limits = PackageLimits.from_properties(config.properties)
    # The same node name as the task engine's: this server, whatever else shares the database.
    store = DatabaseArtifactStore if config.artifacts_store == "database" else ArtifactStore
    artifacts = store(config.artifacts_dir, db, node=f"{socket.gethostname()}:{config.home.resolve()}")
    if artifacts.forget_interrupted():
        log.info("Forgot the uploads in flight that ended with this server's previous run")
    repository = Repository(db, types, secrets, artifacts, check_file=ArchiveLimits(types, limits).check)
    repository.init_roots()
    users = UserStore(db)
    if users.ensure_admin(config.admin_password):
        log.info("Created user admin")
    grants = SecurityStore(db)
    security = Security(grants, users, repository)
    # Grants set on directories follow them when they move and go when they are deleted, in the same transaction.
    repository.listeners.append(grants)
    grants.changed = security.invalidate
    # A login cached on this server holds only while the snapshot (which sees every server's changes) agrees.
    users.current_hash = security.password_hash
    rules = load_rules(config.home, types)
    tasks = TaskStore(db)
    notifier = Notifier(repository, types, tasks, config.home)
    tasks.observers.append(notifier)
    packages = PackageService.from_config(repository, types, config)
    props = config.properties or {}
    task_engine = TaskEngine(tasks, repository, types, secrets, home=config.home, max_active=config.max_active_tasks,
                             step_threads=config.step_threads,
                             shutdown_timeout=_seconds(props, "task.shutdown.timeout", 5.0),
                             abort_grace=_seconds(props, "task.abort.grace", 5.0),
                             node=props.get("server.node.id") or None,
                             lease_seconds=_seconds(props, "task.lease.seconds", 30.0),
                             heartbeat_seconds=_seconds(props, "task.heartbeat.seconds", 5.0),
                             poll_seconds=_seconds(props, "task.poll.seconds", 1.0))
    if _flag(props, "task.notify", True) and not db.serialised:  # shared mode: servers wake each other
        wakeup = Wakeup(db, task_engine.node)
        tasks.observers.append(wakeup)
        task_engine.ticker.wakers.append(wakeup)
    deployments = DeploymentService(repository, types, secrets, rules, tasks, task_engine)
    exchange = Exchange(repository, tasks, config.home, packages.limits, export_dir=config.export_dir)
    for step_type in Exchange.STEP_TYPES:
        task_engine.server_steps[step_type] = exchange.run_step
    policy = Policy(security, repository, types, tasks)
    collector = garbage.GarbageCollector(repository.artifacts, tasks,
                                         _seconds(props, "gc.grace.seconds", garbage.DEFAULT_GRACE))
    task_engine.server_steps[garbage.STEP_TYPE] = collector.step
    packages.authorize = policy.package_import
    packages.may_read = security.reader
    exchange.authorize = policy.archive_task
    repository.check_change = policy.checklist_change
    repository.may_refer = policy.may_refer
    return Services(config=config, db=db, types=types, secrets=secrets, repository=repository, users=users,
                    packages=packages, tasks=tasks, deployments=deployments, task_engine=task_engine,
                    task_views=TaskViews(tasks, task_engine), controls=ControlTasks(repository, types, tasks),
                    security=security, policy=policy, audit=Audit(db, config.log_dir), gc=collector,
                    guesses=GuessLimit.from_properties(props),
                    exchange=exchange, pipelines=Pipelines(repository, types), reports=Reports(repository, types, tasks),
                    notifier=notifier, mode=ServerMode(db))


def _flag(props: dict, key: str, default: bool) -> bool:
    value = str(props.get(key) or "").strip().lower()
    if not value:
        return default
    if value not in ("true", "false"):
        raise ValueError(f"deployit.conf: {key} must be true or false, not '{value}'.")
    return value == "true"


def _seconds(props: dict, key: str, default: float) -> float:
    value = str(props.get(key) or "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"deployit.conf: {key} must be a number of seconds, not '{value}'.") from None
