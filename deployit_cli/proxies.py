"""`proxies`, the server's REST services as `deployit-cli -expose-proxies` offered them to scripts.

Each service is reachable under the names the CLI versions gave it, as an attribute or a getter:
`proxies.repository` / `proxies.getRepository()` / `proxies.getRepositoryService()`, `proxies.referenceData`
(3.7/3.8), `proxies.descriptors` (3.0-3.6) and `proxies.getMetadataService()` for the type descriptors,
`proxies.taskRegistry` / `proxies.getTaskService()` for tasks with steps numbered from 1,
`proxies.getTaskBlockService()`, `proxies.getDeploymentService()` and `proxies.getServerService()`.
The services answer as the Java ones did where scripts read the answer: `query(...)` gives
ConfigurationItemIds (`.id`, `.type`), and the 3.x calls that returned an HTTP response
(`referenceData.list()`, `descriptors.list()`, `taskRegistry.getStepInfo(...)`) give one whose `.entity`
is the answer. Everything else is the shell's own object (`proxies.repository.delete(id)` is
`repository.delete(id)`).
"""

from __future__ import annotations

from .client import DeployitException
from .compat import wrap


class Response:
    """An HTTP answer as the 3.x REST proxies returned it: `.entity`, `.status`."""

    def __init__(self, entity, status: int = 200):
        self.entity = entity
        self.status = status

    def getEntity(self):  # noqa: N802 - Java-style, as scripts call it
        return self.entity

    def getStatus(self):  # noqa: N802
        return self.status


class _Delegate:
    """A service: its own methods first, then those of the shell object it stands for."""

    def __init__(self, shell_object):
        self._shell = shell_object

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._shell, name)


class RepositoryService(_Delegate):
    """RepositoryService: the `repository` object, with the REST service's create/update/query forms."""

    def __init__(self, repository, client):
        super().__init__(repository)
        self._client = client

    def create(self, *args):
        """create(ci) or, as the REST service, create(id, ci)."""
        return self._shell.create(args[-1])

    def update(self, *args):
        """update(ci) or update(id, ci)."""
        return self._shell.update(args[-1])

    def query(self, ciType=None, parent=None, *rest):  # noqa: N803 - Java's names
        """The CIs matching, as ConfigurationItemIds (`.id`, `.type`): query(type, parent, namePattern,
        lastModifiedBefore, lastModifiedAfter, page, resultsPerPage) as in 3.x, or with an ancestor
        after the parent (8 arguments) as in later versions."""
        from .objects.repository import iso_date

        if len(rest) > 6:
            raise DeployitException(f"query takes at most 8 arguments, not {len(rest) + 2}.", 400)
        ancestor = None
        if len(rest) == 6:  # later versions: the ancestor after the parent
            ancestor, rest = rest[0], rest[1:]
        name_pattern, before, after, page, per_page = rest + (None,) * (5 - len(rest))
        params = {"type": ciType, "parent": parent, "ancestor": ancestor, "namePattern": name_pattern,
                  "lastModifiedBefore": iso_date(before) if before is not None else None,
                  "lastModifiedAfter": iso_date(after) if after is not None else None,
                  "page": page, "resultsPerPage": per_page}
        refs = self._client.get("/repository/query",
                                params={k: str(v) for k, v in params.items() if v is not None}) or []
        from .compat import java_type
        from .deployment import ConfigurationItemId

        return wrap([ConfigurationItemId(r["ref"], java_type(r["type"]) if r.get("type") else None) for r in refs])


class DescriptorList:
    """The 3.x answer of referenceData.list() / descriptors.list(): `.descriptors`."""

    def __init__(self, descriptors):
        self.descriptors = descriptors

    def getDescriptors(self):  # noqa: N802
        return self.descriptors


class MetadataService:
    """The type descriptors (MetadataService; referenceData and descriptors in 3.x)."""

    def __init__(self, registry, client):
        self._registry = registry  # the DescriptorRegistry of the scripts
        self._client = client

    def listDescriptors(self):  # noqa: N802
        return self._registry.getDescriptors()

    def getDescriptor(self, ciType):  # noqa: N802,N803
        return self._registry.getDescriptor(ciType)

    findDescriptor = getDescriptor

    def list(self):
        return Response(DescriptorList(self.listDescriptors()))

    def listOrchestrators(self):  # noqa: N802
        return wrap(self._client.get("/metadata/orchestrators") or [])

    def listPermissions(self):  # noqa: N802
        return wrap(self._client.get("/metadata/permissions") or [])


class TaskService(_Delegate):
    """Tasks with steps numbered from 1 (the `tasks` object); getStepInfo answers as 3.x did."""

    def getStep(self, taskId, stepNr, ifModifiedSince=None):  # noqa: N802,N803
        return self._shell.step(taskId, stepNr)

    def getStepInfo(self, taskId, stepNr, ifModifiedSince=None):  # noqa: N802,N803
        return Response(self._shell.step(taskId, stepNr))

    def getTask(self, taskId):  # noqa: N802,N803
        return self._shell.get(taskId)

    getTaskInfo = getTask

    def getSteps(self, taskId):  # noqa: N802,N803
        return self._shell.steps(taskId)


class ServerService(_Delegate):
    """ServerService: the `deployit` object's server calls under the REST service's names."""

    def getInfo(self):  # noqa: N802
        return self._shell.info()

    def gc(self):
        return self._shell.runGarbageCollector()


class Proxies:
    """The `proxies` global (see the module docstring)."""

    description = "The REST services of XL Deploy, for scripts written for -expose-proxies."

    def __init__(self, namespace: dict, client):
        repository = RepositoryService(namespace["repository"], client)
        metadata = MetadataService(namespace["DescriptorRegistry"], client)
        tasks = TaskService(namespace["tasks"])
        self._services = {
            "repository": repository, "repositoryService": repository,
            "referenceData": metadata, "descriptors": metadata, "metadata": metadata, "metadataService": metadata,
            "taskRegistry": tasks, "taskService": tasks,
            "taskBlockService": namespace["task2"],
            "deployment": namespace["deployment"], "deploymentService": namespace["deployment"],
            "server": ServerService(namespace["deployit"]), "serverService": ServerService(namespace["deployit"]),
        }

    def __getattr__(self, name):
        services = self.__dict__.get("_services", {})
        if name in services:
            return services[name]
        if name.startswith("get") and name[3:4].isupper():
            key = name[3].lower() + name[4:]
            if key in services:
                return lambda: services[key]
        raise AttributeError(f"proxies has no service '{name}'; there are {', '.join(sorted(services))}")

    def __dir__(self):
        return sorted(self._services)

    def __repr__(self):
        return "proxies: " + ", ".join(sorted(self._services))
