"""Walking a task's stored block tree: paths of blocks and steps, finding them, inserting a step.

The tree is the JSON of server/planning/plan.py: composite blocks `{"id", "type": "serial"|"parallel",
"blocks": [...]}` and step blocks `{"id", "type": "steps", "steps": [...]}`. A block's path is its id
("0", "0_1", "0_1_1"); a step's path is its block's id and its 1-based number ("0_1_1_2").
"""

from __future__ import annotations

from ..errors import BadRequest, NotFound

PAUSE_TYPE = "pause"


def is_step_block(block: dict) -> bool:
    return "steps" in block and "blocks" not in block


def walk_blocks(block: dict):
    """Every block, parents first."""
    yield block
    for child in block.get("blocks") or ():
        yield from walk_blocks(child)


def walk_steps(block: dict):
    """(path, step, step block) of every step, in execution order of a serial reading."""
    for each in walk_blocks(block):
        for number, step in enumerate(each.get("steps") or (), start=1):
            yield f"{each['id']}_{number}", step, each


def all_paths(block: dict) -> list[str]:
    """Paths of every block and every step."""
    return [b["id"] for b in walk_blocks(block)] + [path for path, _, _ in walk_steps(block)]


def find_block(tree: dict, block_id: str) -> dict | None:
    for block in walk_blocks(tree):
        if block.get("id") == block_id:
            return block
    return None


def split_step_path(path: str) -> tuple[str, int]:
    block_id, _, number = path.rpartition("_")
    # ASCII digits only ('²' is a digit int() refuses), and few of them (int() refuses 4,300 and more).
    if not block_id or not (number.isascii() and number.isdigit()) or len(number) > 9 or int(number) < 1:
        raise BadRequest(f"Step path '{path}' must be <block id>_<step number>, like 0_1_1_2.")
    return block_id, int(number)


def find_step(tree: dict, task_id: str, path: str) -> tuple[dict, dict, int]:
    """(step, its step block, its number) for a step path; NotFound naming the task and path."""
    block_id, number = split_step_path(path)
    block = find_block(tree, block_id)
    steps = block.get("steps") if block is not None and is_step_block(block) else None
    if not steps or number > len(steps):
        raise NotFound(f"Task {task_id} has no step {path}.")
    return steps[number - 1], block, number


def pause_step() -> dict:
    """The manual pause a user inserts into a plan: the engine pauses the task there."""
    return {"description": "Pause", "state": "PENDING", "startDate": None, "completionDate": None,
            "failureCount": 0, "log": "", "metadata": {"order": "0", "previewAvailable": False, "inserted": True},
            "type": PAUSE_TYPE, "order": 0, "parameters": {}, "checkpoint": None}
