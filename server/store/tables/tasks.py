"""The task engine's tables: tasks, the progress and logs of their steps, and the commands steps run on hosts.
Only the task engine (server/engine/) reads and writes them."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from . import ID, metadata

# Tasks: a deployment plan waiting for (or going through) execution. The block tree is the client-facing
# TaskWithBlock tree with each step's engine data; `specification` holds the deltas (deployed and
# previous CIs) the engine commits at checkpoints. See server/engine/store.py.
tasks = Table(
    "tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("task_type", String(32), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("description", Text, nullable=False),
    Column("owner", String(255), nullable=False, index=True),
    Column("metadata", Text, nullable=False),
    Column("block", Text, nullable=False),
    Column("specification", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("scheduled_at", String(32)),
    Column("started_at", String(32)),
    Column("completed_at", String(32)),
    Column("failures", Integer, nullable=False, default=0),
    # Added by the task engine: archived (DONE, CANCELLED) tasks are kept for reports.
    Column("archived", Integer, nullable=False, default=0, index=True),
    Column("archived_at", String(32)),
    # The deltas committed to the repository so far, in order: [[delta index, operation], ...], and
    # "final" once the whole specification was stored (JSON; see server/engine/checkpoints.py).
    Column("commits", Text),
    # A rollback task names the task it rolls back.
    Column("rollback_of", String(36)),
    # The server (`server.node.id`) executing or last executing the task, and until when its claim holds: the
    # server renews it while the task runs, and any server fails a running task whose claim expired.
    Column("node", String(1024)),
    Column("lease_until", String(32)),
    # How many times a server claimed the task: with `node`, the fencing token that every write of a running task
    # is conditional on, so a server's late writes for a claim that has moved on are refused.
    Column("claim", Integer, nullable=False, default=0, server_default="0"),
    # When the task was queued (by a start, or when its scheduled time came): servers claim the oldest first.
    Column("queued_at", String(32)),
)
# Reports pick the tasks completed in a period.
Index("ix_tasks_completed_at", tasks.c.completed_at)

# State and dates of each block and step of a task, by path ("0_1_1" a block, "0_1_1_2" its second step).
task_progress = Table(
    "task_progress", metadata,
    Column("task_id", String(36), primary_key=True),
    Column("path", String(255), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("started_at", String(32)),
    Column("completed_at", String(32)),
    Column("failure_count", Integer, nullable=False, default=0),
)

# Step logs, appended in chunks of lines while the step runs.
task_logs = Table(
    "task_logs", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("task_id", String(36), nullable=False),
    Column("path", String(255), nullable=False),
    Column("text", Text, nullable=False),
)
Index("ix_task_logs_step", task_logs.c.task_id, task_logs.c.path)

# The command each running step has started on a host, while it runs: its process group (the local process group,
# or the remote one over SSH), the random tag in its environment (so a reused process-group number is never taken
# for it) and the host, encrypted as it holds passwords. What is left here after a crash is ended before the task
# runs again (server/engine/leftovers.py).
step_processes = Table(
    "step_processes", metadata,
    Column("tag", String(32), primary_key=True),
    Column("task_id", String(36), nullable=False, index=True),
    Column("path", String(255), nullable=False),
    Column("host_id", ID, nullable=False),
    Column("process_group", Integer, nullable=False),
    Column("host", Text, nullable=False),
    Column("started_at", String(32), nullable=False),
)
