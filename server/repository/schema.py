"""The tables moved to server/store/tables/ (by owner); kept here until every caller imports them from there."""

from ..store.database import make_engine  # noqa: F401
from ..store.schema import metadata  # noqa: F401
from ..store.tables.repository import artifact_files, artifact_uploads, ci_history, ci_refs, cis  # noqa: F401
from ..store.tables.security import audit, role_permissions, role_principals, roles, users  # noqa: F401
from ..store.tables.tasks import step_processes, task_logs, task_progress, tasks  # noqa: F401
