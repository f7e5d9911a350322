"""Deployment planning: specification, delta analysis, orchestration and rules (pure code).

    model          plain records: Ci, Deployed, Deployment, Dictionary, Snapshot, Message
    dictionaries   the effective dictionary of a container and application; placeholder filling
    matching       tag matching; the most specific deployed type of a (deployable, container) pair
    specification  prepare initial/update/undeploy, generate deployeds, validate
    delta          CREATE / MODIFY / DESTROY / NOOP against the previous deployed application
    orchestrators  the orchestrators and their deprecated aliases
    plan           the block tree: simplification, splitting, ids, JSON
    steps          step types and their parameters (the engine's contract), orders, calculated values
    rules          the xl-rules.xml format
    scripting      what rule expressions and planning scripts see
    planner        deltas -> orchestrated tree -> steps from rules -> task tree
    wire           the REST API's Deployment JSON

The deployment service (server/deployments) reads the repository into a Snapshot, calls the above
and hands the task to the engine.
"""
