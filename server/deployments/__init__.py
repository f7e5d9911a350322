"""The deployment service: what a deployment needs read from the repository, planned by the pure
planning package, and handed to the task engine as a task to store and run.

    service    DeploymentService: prepare, map, validate, preview, create the task
    rollback   the rollback task of a deployment task, from its committed deltas
"""
