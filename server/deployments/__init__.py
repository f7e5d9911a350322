"""The deployment service: what a deployment needs read from the repository, planned by the pure
planning package, and handed to the task engine as a task to store and run.

    service     DeploymentService: prepare, map, validate, preview, create the task, roll back
    snapshot    what one deployment needs from the repository, read into a planning Snapshot
    secrets     ciphertext in the Deployment JSON; secrets hidden in the steps of a task
    tasks       the task a plan becomes: the block tree of steps and the specification
    rollback    the rollback task of a deployment task, from its committed deltas
    rulefiles   the rules files of a server, read once at start
"""
