"""The task engine: tasks stored with their plan, executed step by step on hosts, results committed.

    states.py       task and step states, which action each state allows
    store.py        tasks, block/step progress and step logs in the database
    engine.py       TaskEngine: actions, claims from the database (task.max.active, leases), task threads
    runner.py       running one task's block tree (serial, parallel on the step pool, steps)
    stepcontext.py  the StepContext of a step: references resolved, secrets decrypted and masked
    logs.py         step logs written while steps run
    checkpoints.py  checkpoint commits and the final store of a deployment's result
    control.py      control tasks (`<method>` on types)
    scheduler.py    scheduled times, the ticker; recovery.py: tasks whose server stopped (restart, lease expired)
    fencing.py      shared mode: a server that could not renew its leases ends its steps before they expire
    leftovers.py    the commands steps run on hosts, recorded, and ended after a crash before a retry
    reading.py, views.py, tree.py   the REST view of tasks, blocks and steps
    context.py      the contract with the step implementations in steps/; hosts/: connections
"""
