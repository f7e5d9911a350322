"""The release pipeline of an application, as XL Deploy's release dashboard shows it.

For each environment of the application's `release.DeploymentPipeline`, in order: the version
deployed there (with who deployed it and when: the deployed application's last change, which the
deploying task makes as its owner) and the environment's deployment checklist. Each stage also says
whether the version deployed there may be promoted to the next environment: it may when it satisfies
that environment's checklist (server/planning/checklist.py). Environments the caller may not read are
listed by id only.
"""

from __future__ import annotations

from ..errors import BadRequest, NotFound
from ..planning import checklist
from ..repository.ids import name_of

PIPELINE_TYPE = "release.DeploymentPipeline"


class Pipelines:
    def __init__(self, repository, types):
        self.repository = repository
        self.types = types

    def _read(self, ci_id: str):
        try:
            return self.repository.read(ci_id)
        except (NotFound, BadRequest):
            return None

    def view(self, application_id: str, may_read=lambda ci_id: True) -> dict:
        application_id = (application_id or "").strip("/")
        app = self._read(application_id)
        if app is None:
            raise NotFound(f"Repository entity {application_id} not found.")
        if not self.types.is_a(app.type, "udm.Application"):
            raise BadRequest(f"{app.id} is of type {app.type}, not an application.")
        pipeline_id = app.properties.get("pipeline")
        if not pipeline_id:
            raise BadRequest(f"Application {app.id} has no deployment pipeline; set its 'pipeline' to a "
                             f"{PIPELINE_TYPE} under Configuration.")
        pipeline = self._read(pipeline_id)
        env_ids = list(pipeline.properties.get("pipeline") or []) if pipeline is not None else []
        stages = [self._stage(app, env_id, may_read(env_id)) for env_id in env_ids]
        for stage, following in zip(stages, stages[1:] + [None]):
            stage["nextEnvironment"] = following["environment"] if following else None
            stage["promotionAllowed"], stage["promotionBlockedBy"] = self._promotion(stage, following)
        for stage in stages:
            stage.pop("_version", None)
            stage.pop("_environment", None)
        return {"application": app.id, "pipeline": pipeline_id, "environments": stages}

    def _stage(self, app, env_id: str, visible: bool) -> dict:
        stage = {"environment": env_id, "visible": visible, "version": None, "versionId": None,
                 "deployedBy": None, "deployedAt": None, "checklist": []}
        env = self._read(env_id) if visible else None
        if env is None:
            return stage
        stage["_environment"] = env
        stage["checklist"] = [checklist.SATISFIES + c for c in
                              checklist.conditions(self.types, env.type, env.properties)]
        deployed = self._read(f"{env.id}/{app.name}")
        if deployed is not None and self.types.is_a(deployed.type, "udm.DeployedApplication"):
            version_id = deployed.properties.get("version")
            stage.update(version=name_of(version_id) if version_id else None, versionId=version_id,
                         deployedBy=deployed.modified_by, deployedAt=deployed.modified_at)
            stage["_version"] = self._read(version_id) if version_id else None
        return stage

    def _promotion(self, stage: dict, following: dict | None) -> tuple[bool, list]:
        """May the version deployed in `stage` go on to the next environment; the unmet items if not."""
        version, env = stage.get("_version"), following.get("_environment") if following else None
        if version is None or env is None:
            return False, []
        missing = checklist.unmet(self.types, env.type, env.properties, version.type, version.properties)
        return not missing, missing
