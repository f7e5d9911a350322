"""`deployment`: prepare a deployment, map deployeds, validate, preview and create its task (/deployment/*).

Every method takes ids or CIs where the original took ids, and Deployment objects (deployit_cli.deployment)
or their JSON where it took a Deployment. Created tasks come back as a TaskHandle: the task id (a string,
so it can be passed on as it is) with `.id` and `.taskId`, and the task's fields (`.state`,
`.description`... as task2.get gives them) read from the server when asked for.
"""

from __future__ import annotations

import sys

from ..ci import VALIDATION_MESSAGES, ValidationMessage
from ..client import DeployitException, quote_id
from ..compat import wrap
from ..deployment import Deployment
from ..plan import ChangesPreview, PlanPreview
from ..records import view
from .base import CliObject, signature
from .repository import id_of


class TaskHandle(str):
    """The id of a task that was created (see the module docstring)."""

    def __new__(cls, task_id: str, session=None):
        handle = super().__new__(cls, task_id)
        handle._session = session
        return handle

    @property
    def id(self) -> str:
        return str.__str__(self)

    taskId = id

    def getId(self): return self.id
    def getTaskId(self): return self.id

    def __getattr__(self, name: str):
        if name.startswith("_") or self.__dict__.get("_session") is None:
            raise AttributeError(name)
        from ..taskrecords import TaskState
        return getattr(TaskState(self._session.client.get(f"/tasks/v2/{quote_id(self.id)}") or {}), name)


class DeploymentService(CliObject):
    name = "deployment"
    description = "Perform tasks related to setting up deployments"

    # -- conversions ---------------------------------------------------------------------------
    def _wrap(self, data) -> Deployment:
        return Deployment(data, self._session)

    def _json(self, deployment, method: str) -> dict:
        if isinstance(deployment, Deployment):
            return deployment.to_json()
        if isinstance(deployment, dict):
            return dict(deployment)
        raise DeployitException(f"deployment.{method} takes the Deployment that deployment.prepareInitial, "
                                f"prepareUpgrade or prepareUndeploy returned, not {deployment!r}.", 400)

    def _post(self, path: str, deployment, method: str, params=None) -> Deployment:
        return self._wrap(self._client.post(path, body=self._json(deployment, method), params=params))

    @staticmethod
    def _deployed_application(value, method: str) -> str:
        """The id of a deployed application; a Deployment (whose own id is no CI id) is refused with a
        sentence saying what the method takes."""
        if isinstance(value, (Deployment, dict)):
            data = value.to_json() if isinstance(value, Deployment) else value
            app_id = (data.get("application") or {}).get("id") if isinstance(data.get("application"), dict) else None
            example = f"'{app_id}'" if app_id else "'Environments/Dev/App'"
            raise DeployitException(f"deployment.{method} takes the id of a deployed application, such as {example} "
                                    f"(depl.deployedApplication.id), not a Deployment.", 400)
        return id_of(value, "the deployed application")

    def _task(self, answer) -> TaskHandle:
        task_id = answer.get("string") if isinstance(answer, dict) else answer
        if not task_id:
            raise DeployitException(f"The server created no task (it answered {answer!r}).", 500)
        return TaskHandle(str(task_id), self._session)

    # -- preparing -----------------------------------------------------------------------------
    @signature("(String versionId, String environmentId) : Deployment")
    def prepareInitial(self, versionId, environmentId):
        """Start an initial deployment of an application version (udm.Version / udm.DeploymentPackage) to an
        environment. The Deployment has no deployeds yet: add them with prepareAutoDeployeds,
        generateAllDeployeds, generateSelectedDeployeds or generateSingleDeployed."""
        return self._wrap(self._client.get("/deployment/prepare/initial", params={
            "version": id_of(versionId, "the version"), "environment": id_of(environmentId, "the environment")}))

    @signature("(String newVersionId, String deployedApplicationId) : Deployment")
    def prepareUpgrade(self, newVersionId, deployedApplicationId):
        """Start the upgrade (or downgrade) of a deployed application (<environment id>/<application name>)
        to another version of its application. The deployeds of the deployed application are carried
        over to the new version's deployables; prepareAutoDeployeds maps any new ones."""
        return self._wrap(self._client.get("/deployment/prepare/update", params={
            "version": id_of(newVersionId, "the new version"),
            "deployedApplication": self._deployed_application(deployedApplicationId, "prepareUpgrade")}))

    @signature("(String deployedApplicationId) : Deployment")
    def prepareUndeploy(self, deployedApplicationId):
        """Start the undeployment of a deployed application: every deployed of it is removed."""
        return self._wrap(self._client.get("/deployment/prepare/undeploy", params={
            "deployedApplication": self._deployed_application(deployedApplicationId, "prepareUndeploy")}))

    # -- deployeds -----------------------------------------------------------------------------
    @signature("(Deployment deployment) : Deployment")
    def prepareAutoDeployeds(self, deployment):
        """Map every deployable of the version to the containers of the environment it fits (by type and
        tags), with the most specific deployed type; replaces the deployeds the Deployment had."""
        return self._post("/deployment/prepare/deployeds", deployment, "prepareAutoDeployeds")

    @signature("(Deployment deployment) : Deployment", deprecated=True)
    def generateAllDeployeds(self, deployment):
        """Add a deployed for every deployable on every container it fits (the 3.x/4.0 form of
        prepareAutoDeployeds)."""
        return self._post("/deployment/generate/all", deployment, "generateAllDeployeds")

    @signature("(List<String> deployableIds, Deployment deployment) : Deployment")
    def generateSelectedDeployeds(self, deployableIds, deployment):
        """Add deployeds for the given deployables (ids or CIs) only, on every container they fit."""
        if isinstance(deployableIds, (str, bytes)) or not hasattr(deployableIds, "__iter__"):
            deployableIds = [deployableIds]
        ids = [id_of(one, "a deployable") for one in deployableIds]
        return self._post("/deployment/generate/selected", deployment, "generateSelectedDeployeds",
                          params={"deployables": ids})

    @signature("(String deployableId, String containerId, String deployedType, Deployment deployment) : Deployment",
               "(String deployableId, String containerId, Deployment deployment) : Deployment")
    def generateSingleDeployed(self, deployableId, containerId, deployedType, deployment=None):
        """Add one deployed: a deployable on a container, as the given deployed type (None: the most
        specific type that fits; when several fit equally the server asks for the type). A deployed with
        the same id is replaced."""
        if deployment is None and isinstance(deployedType, (Deployment, dict)):
            deployedType, deployment = None, deployedType
        params = {"deployable": id_of(deployableId, "the deployable"),
                  "container": id_of(containerId, "the container")}
        if deployedType:
            params["deployedtype"] = str(deployedType)
        return self._post("/deployment/generate/single", deployment, "generateSingleDeployed", params=params)

    @signature("(Deployment deployment) : Deployment")
    def validate(self, deployment):
        """Check the deployment; the answer carries the validation messages on each deployed
        (`depl.deployeds[i].validations`, each with ciId, propertyName, message and level) and on the
        deployment as a whole (`depl.validations` lists them all). Nothing is refused here:
        createDeployTask refuses a deployment with errors."""
        return self._post("/deployment/validate", deployment, "validate")

    # -- tasks ---------------------------------------------------------------------------------
    @signature("(Deployment deployment) : TaskState")
    def createDeployTask(self, deployment):
        """Plan the deployment and create its task, which waits (PENDING) until started with
        deployit.startTaskAndWait(task.id) or task2.start(task.id). Returns the task id with `.id` (and
        `.taskId`); `.state`, `.description`... are read from the server when asked for. A deployment
        with validation errors is refused: the error's `.validations` lists them all."""
        try:
            return self._task(self._client.post("/deployment", body=self._json(deployment, "createDeployTask")))
        except DeployitException as exc:
            body = exc.body if isinstance(exc.body, dict) else {}
            # a refused deployment: every message, not only the first the text names
            exc.validations = wrap([ValidationMessage.from_json(m) for m in body.get(VALIDATION_MESSAGES) or []
                                    if isinstance(m, dict)])
            raise

    @signature("(String deployedApplicationId) : TaskState")
    def createUndeployTask(self, deployedApplicationId):
        """Prepare the undeployment of a deployed application (its id or CI) and create its task (see
        createDeployTask). The Deployment that prepareUndeploy returned is taken too."""
        if isinstance(deployedApplicationId, (Deployment, dict)):
            data = self._json(deployedApplicationId, "createUndeployTask")
            if data.get("type") == "UNDEPLOYMENT":
                return self.createDeployTask(deployedApplicationId)
        return self.createDeployTask(self.prepareUndeploy(
            self._deployed_application(deployedApplicationId, "createUndeployTask")))

    @signature("(Deployment deployment) : TaskInfo", deprecated=True)
    def deploy(self, deployment):
        """Create the deployment's task (3.x/4.0 API; it is not started). Use createDeployTask."""
        return self.createDeployTask(deployment)

    @signature("(String deployedApplicationId) : TaskInfo", deprecated=True)
    def undeploy(self, deployedApplicationId):
        """Create the undeployment task of a deployed application (3.x/4.0 API; it is not started). Use
        createUndeployTask."""
        return self.createUndeployTask(deployedApplicationId)

    @signature("(String taskId) : TaskState")
    def rollback(self, taskId):
        """Create the rollback task of a deployment task that is EXECUTED, FAILED, STOPPED or ABORTED and not
        archived (deployit.startTask / task2.start leave it so; startTaskAndWait archives a task that
        succeeds): run, it returns the environment to where it was before the deployment. The original
        task is archived. Returns the new task's id (`.id`); start it like any task."""
        from .task2 import task_id_of
        return self._task(self._client.post(f"/deployment/rollback/{quote_id(task_id_of(taskId))}"))

    @signature("(String taskId) : TaskState")
    def createRollbackTask(self, taskId):
        """The same as deployment.rollback(taskId)."""
        return self.rollback(taskId)

    # -- questions and previews ----------------------------------------------------------------
    @signature("(String applicationId, String environmentId) : boolean")
    def isDeployed(self, applicationId, environmentId):
        """True when the application (its id or name) is deployed to the environment."""
        answer = self._client.get("/deployment/exists", params={
            "application": id_of(applicationId, "the application"),
            "environment": id_of(environmentId, "the environment")})
        return bool(answer.get("boolean")) if isinstance(answer, dict) else bool(answer)

    @signature("(Deployment deployment) : TaskPreviewBlock",
               "(Deployment deployment, String blockId, int stepNr) : StepState")
    def taskPreviewBlock(self, deployment, blockId=None, stepNr=None):
        """The plan the deployment's task would have, without creating it: `.block` is the tree of blocks
        (`.id`, `.description`, `.blocks` or `.steps`); it prints as that tree. With a block id and a step
        number (from 1): that step (`.description`, `.order`, `.metadata`)."""
        body = self._json(deployment, "taskPreviewBlock")
        if blockId is None and stepNr is None:
            return PlanPreview(self._client.post("/deployment/previewblock", body=body))
        if blockId is None or stepNr is None:
            raise DeployitException("taskPreviewBlock takes both a block id and a step number, or neither.", 400)
        return view(self._client.post(f"/deployment/previewblock/{quote_id(str(blockId))}/{int(stepNr)}",
                                      body=body))

    @signature("(Deployment deployment) : ChangesPreview")
    def previewChanges(self, deployment):
        """What the deployment would change, without creating a task: `.deltas` (each deployed's
        `.operation` CREATE, MODIFY, DESTROY or NOOP, and for MODIFY its `.changes`: `.property`,
        `.previous`, `.new`, secrets masked) and the plan `.block`. Prints as deployment.preview does."""
        body = self._json(deployment, "previewChanges")
        return ChangesPreview(self._client.post("/deployment/preview-changes", body=body), self._types)

    @signature("(Deployment deployment) : void")
    def preview(self, deployment):
        """Print what the deployment would do before anything runs: each deployed with its operation
        (CREATE, MODIFY, DESTROY, NOOP) and the properties that change (previous -> new; passwords and
        encrypted values as ********), then the plan: its blocks with their ids and descriptions, and the
        steps in order. Not in the original CLI."""
        text = self.previewChanges(deployment).text()
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
