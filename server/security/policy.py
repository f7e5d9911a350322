"""What each kind of action needs, for the actions whose permission depends on their object: deleting
a package, importing, deploying, rolling back, and acting on someone's task.

- A CI written (created, updated, imported) may refer only to CIs its writer may read; a reference to a
  hidden CI is answered as one to a CI that does not exist (references it had already stay).

- Deleting a `udm.Version` (a package) needs `import#remove`; any other CI `repo#edit`; and the same
  for every CI below it that goes with it. Copying needs read on everything copied; moving and
  renaming repo#edit on everything moved.
- Importing needs `import#initial` for the first version of an application, else `import#upgrade`; to a
  caller who may not read the application the refusal is the one for a new application (it does not tell
  whether there are versions), and a same-named application elsewhere is not named.
- Deploying needs, on the environment, `deploy#initial` (INITIAL), `deploy#upgrade` (UPDATE; and
  `deploy#initial` as well when it maps deployables onto containers the application was not on), or
  `deploy#undeploy` (UNDEPLOYMENT), and `read` on every container it deploys to.
- A task is seen by its owner, an admin, and those who may read its environment and application (or,
  for a control task, its CI). Starting, stopping, aborting, cancelling, archiving, scheduling and
  changing the plan are for its owner and admins; skipping steps also needs `task#skip_step`;
  `task#takeover` takes a task over; `task#assign` lets owners hand their tasks to someone else
  (admins assign any task). A rollback is the owner's or an admin's, with the deploy permission that
  undoes the task's kind (INITIAL: deploy#undeploy, UPDATE: deploy#upgrade, UNDEPLOY: deploy#initial).
- Export and import tasks are checked when they are created and again when their step runs, for their
  owner then (a grant revoked in between fails the step).
- Changing a version's `satisfies<Condition>` (a deployment checklist item) that has a hidden
  `roles<Condition>` needs one of those roles (admins always may); on a version being created
  (imported) only when its application's `verifyChecklistPermissionsOnCreate` is true.
"""

from __future__ import annotations

from ..errors import BadRequest, Forbidden, NotFound
from ..planning import checklist
from ..refs import reference as _ref
from ..repository.ids import parent_of
from . import permissions as P

INITIAL, UPDATE, UNDEPLOYMENT = "INITIAL", "UPDATE", "UNDEPLOYMENT"
ROLLBACK_NEEDS = {"INITIAL": P.DEPLOY_UNDEPLOY, "UPGRADE": P.DEPLOY_UPGRADE, "UPDATE": P.DEPLOY_UPGRADE,
                  "UNDEPLOY": P.DEPLOY_INITIAL, "UNDEPLOYMENT": P.DEPLOY_INITIAL}


class Policy:
    def __init__(self, security, repository, types, tasks):
        self.security = security
        self.repository = repository
        self.types = types
        self.tasks = tasks

    def _type_of(self, ci_id: str) -> str | None:
        try:
            return self.repository.read(ci_id).type
        except (NotFound, BadRequest):
            return None

    # -- repository ----------------------------------------------------------------------------
    def checklist_change(self, user: str, ci_id: str, ci_type: str, before: dict | None, after: dict,
                         lookup) -> None:
        """The repository's write check (Repository.check_change): refuse a change of a checklist item
        guarded by roles the user has none of. `lookup(id)` reads a CI inside the writing transaction."""
        if not self.types.is_a(ci_type, "udm.Version"):
            return
        if before is None:
            app = lookup(parent_of(ci_id)) if parent_of(ci_id) else None
            if app is None or app.properties.get("verifyChecklistPermissionsOnCreate") is not True:
                return
        guarded = checklist.guarded_changes(self.types, ci_type, before or {}, after)
        if not guarded:
            return
        checker = self.security.checker()
        if checker.is_admin(user):
            return
        mine = checker.roles(user)
        for name, roles in guarded.items():
            if not mine & set(roles):
                raise Forbidden(f"User {user} may not change {name} on {ci_id}: only members of "
                                f"{' or '.join(roles)} may satisfy that checklist item.")

    def may_refer(self, user: str):
        """The repository's reference check (Repository.may_refer): a writer may point references only at CIs
        they may read. A reference to another is refused as one to a CI that does not exist, with the same
        sentence, so that whether a hidden CI exists, and its type, stay hidden."""
        return self.security.reader(user)

    def _with_descendants(self, ci_id: str) -> list:
        """The CI (when it exists) and every CI below it, parents first."""
        try:
            top = [self.repository.read(ci_id)]
        except (NotFound, BadRequest):
            return []
        return top + sorted(self.repository.query(ancestor=ci_id), key=lambda r: r.id)

    def delete(self, user: str, ci_id) -> None:
        """Deleting takes the CI's children with it, so it needs the permission on each: `import#remove`
        on a package (which covers its deployables), `repo#edit` on anything else."""
        ci_id = _ref(ci_id)
        if not ci_id or self.security.is_admin(user):
            return  # without an id the repository refuses it with its own message
        records = self._with_descendants(ci_id)
        if not records:
            self.security.require(user, P.REPO_EDIT, ci_id)
            return
        packages: list[str] = []
        for rec in records:
            if any(rec.id.startswith(p + "/") for p in packages):
                continue
            if self.types.is_a(rec.type, "udm.Version"):
                self.security.require(user, P.IMPORT_REMOVE, rec.id)
                packages.append(rec.id)
            else:
                self.security.require(user, P.REPO_EDIT, rec.id)

    def subtree(self, user: str, ci_id, permission: str) -> None:
        """The permission on the CI and on every CI below it (copying needs read on all it copies;
        moving and renaming repo#edit on all they move)."""
        ci_id = _ref(ci_id)
        if not ci_id or self.security.is_admin(user):
            return
        self.security.require(user, permission, ci_id)
        holds = self.security.holder(user, permission)
        for rec in self._with_descendants(ci_id)[1:]:
            if not holds(rec.id):
                raise self.security.refusal(user, permission, rec.id)

    def archive(self, user: str, root: str | None, permission: str) -> None:
        """Exporting or importing a subtree as an archive: the permission on its root and every CI below it (an
        import replaces them all; the archive's own CIs lie below the root, so they inherit from the same
        directories). The whole repository (no root) is for admins."""
        if root is None:
            self.security.require(user, P.ADMIN)
            return
        self.subtree(user, root, permission)

    def archive_task(self, user: str, kind: str, root: str | None) -> None:
        """An export (EXPORT: read) or import (IMPORT: repo#edit) task's check, made again by its step for the
        task's owner at the time it runs."""
        self.archive(user, root, P.READ if kind == "EXPORT" else P.REPO_EDIT)

    def archive_upload(self, user: str) -> None:
        """Before an archive is stored to be imported (its root is read only then): repo#edit somewhere."""
        failure = None
        for root in P.ALL_ROOTS:
            try:
                return self.security.require_somewhere(user, (P.REPO_EDIT,), root, "location")
            except Forbidden as exc:
                failure = exc
        raise failure

    # -- packages ------------------------------------------------------------------------------
    def package_import(self, user: str, application_id: str) -> None:
        """Called once the package's manifest names its application, before anything is written."""
        if self.security.is_admin(user):
            return
        first = not any(self.types.is_a(r.type, "udm.Version")
                        for r in self._children(application_id))
        need = P.IMPORT_INITIAL if first else P.IMPORT_UPGRADE
        if not self.security.has(user, P.READ, application_id) and not self.security.has(user, need, application_id):
            # Refused as for a new application, whether or not it has versions: those are hidden.
            raise self.security.refusal(user, P.IMPORT_INITIAL, application_id)
        self.security.require(user, need, application_id)

    def _children(self, ci_id: str):
        try:
            return self.repository.children(ci_id)
        except (NotFound, BadRequest):
            return []

    # -- deployments ---------------------------------------------------------------------------
    @staticmethod
    def _parts(data) -> tuple[str | None, dict, str | None]:
        if not isinstance(data, dict):
            return None, {}, None
        app = data.get("application") if isinstance(data.get("application"), dict) else {}
        return data.get("type") or data.get("deploymentType"), app, _ref(app.get("id"))

    def _environments(self, kind, app: dict, app_id: str | None) -> list[str]:
        """Where the deployment acts: the environment it names and the one its deployed application is
        in (for an undeployment, the one stored with the deployed application)."""
        found = []
        if kind == UNDEPLOYMENT and app_id:
            try:
                stored = self.repository.read(app_id)
                found.append(_ref(stored.properties.get("environment")))
            except (NotFound, BadRequest):
                pass
        else:
            found.append(_ref(app.get("environment")))
        if app_id:
            found.append(parent_of(app_id))
        return [e for e in dict.fromkeys(found) if e]

    def deployment_read(self, user: str, data) -> None:
        """Preparing, mapping, validating and previewing: read on the environment and the version."""
        kind, app, app_id = self._parts(data)
        for env in self._environments(kind, app, app_id):
            self.security.require(user, P.READ, env)
        version = _ref(app.get("version"))
        if version and kind != UNDEPLOYMENT:
            self.security.require(user, P.READ, version)

    def deployment(self, user: str, data) -> None:
        """Creating the deployment task."""
        if self.security.is_admin(user):
            return
        kind, app, app_id = self._parts(data)
        need = {INITIAL: P.DEPLOY_INITIAL, UPDATE: P.DEPLOY_UPGRADE, UNDEPLOYMENT: P.DEPLOY_UNDEPLOY}.get(kind)
        if need is None:
            return  # not a deployment: the planner refuses it
        envs = self._environments(kind, app, app_id)
        for env in envs:
            self.security.require(user, need, env)
        if kind == UNDEPLOYMENT:
            return
        version = _ref(app.get("version"))
        if version:
            self.security.require(user, P.READ, version)
        targets = self._targets(data)
        for container in targets:
            self.security.require(user, P.READ, container)
        if kind == UPDATE and app_id:
            before = self._previous_targets(app_id)
            new = sorted(targets - before)
            if new:
                for env in envs:
                    if not self.security.has(user, P.DEPLOY_INITIAL, env):
                        raise Forbidden(f"User {user} does not have permission {P.DEPLOY_INITIAL} on {env}, needed "
                                        f"to deploy to {new[0]}, where {app_id} was not deployed before.")

    @staticmethod
    def _targets(data) -> set:
        out = set()
        for deployed in data.get("deployeds") or []:
            if isinstance(deployed, dict):
                container = _ref(deployed.get("container")) or parent_of(_ref(deployed.get("id")) or "")
                if container:
                    out.add(container)
        return out

    def _previous_targets(self, app_id: str) -> set:
        try:
            stored = self.repository.read(app_id)
        except (NotFound, BadRequest):
            return set()
        return {parent_of(d) for d in stored.properties.get("deployeds") or [] if isinstance(d, str) and "/" in d}

    # -- tasks ---------------------------------------------------------------------------------
    def task(self, task_id: str) -> dict:
        record = self.tasks.get(task_id)
        if record is None:
            raise NotFound(f"Task {task_id} not found.")
        return record

    @staticmethod
    def _scope(record: dict) -> tuple[str | None, list[str]]:
        """(the environment or CI the task acts on, every CI one must read to see it)."""
        meta = record.get("metadata") or {}
        env, app, ci = meta.get("environment_id"), meta.get("application_id"), meta.get("ci")
        place = env or ci
        return place, [c for c in (env, app, ci) if c]

    def may_see(self, user: str, record: dict, reader=None) -> bool:
        if record.get("owner") == user or self.security.is_admin(user):
            return True
        _, scope = self._scope(record)
        reader = reader or self.security.reader(user)
        return bool(scope) and all(reader(c) for c in scope)

    def see(self, user: str, task_id: str) -> dict:
        record = self.task(task_id)
        if not self.may_see(user, record):
            _, scope = self._scope(record)
            raise Forbidden(f"User {user} may not see task {task_id}: it belongs to {record.get('owner')} and "
                            f"needs {P.READ} on {' and '.join(scope) or 'its CIs'}.")
        return record

    def act(self, user: str, task_id: str, action: str) -> dict:
        record = self.see(user, task_id)
        if record.get("owner") != user and not self.security.is_admin(user):
            raise Forbidden(f"User {user} may not {action} task {task_id}: it belongs to {record.get('owner')}; "
                            f"only its owner or an admin may (or take it over with {P.TASK_TAKEOVER}).")
        return record

    def skip(self, user: str, task_id: str) -> None:
        record = self.act(user, task_id, "skip steps of")
        place, _ = self._scope(record)
        self.security.require(user, P.TASK_SKIP_STEP, place)

    def takeover(self, user: str, task_id: str) -> None:
        record = self.see(user, task_id)
        place, _ = self._scope(record)
        self.security.require(user, P.TASK_TAKEOVER, place)

    def assign(self, user: str, task_id: str) -> None:
        record = self.see(user, task_id)
        if self.security.is_admin(user):
            return
        if record.get("owner") != user:
            raise Forbidden(f"User {user} may not assign task {task_id}: it belongs to {record.get('owner')}; "
                            f"only admins assign other users' tasks.")
        self.security.require(user, P.TASK_ASSIGN)

    def rollback(self, user: str, task_id: str) -> None:
        record = self.act(user, task_id, "roll back")
        place, _ = self._scope(record)
        need = ROLLBACK_NEEDS.get((record.get("metadata") or {}).get("taskType") or record.get("task_type"))
        if need and place:
            self.security.require(user, need, place)
