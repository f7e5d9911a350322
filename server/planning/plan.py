"""The plan tree: serial, parallel and interleaved blocks, simplification, splitting, ids and JSON.

Orchestrators build a tree of `Composite` (serial or parallel) blocks whose leaves are `Interleaved`
blocks holding deltas; planning turns every leaf into a `StepBlock` holding steps. Then (engine §5,
reference manual "Plan optimisation"):
- simplification, only when the deployed application's `optimizePlan` is true: empty blocks go, and a
  serial or parallel block with a single child is replaced by that child;
- splitting, always: a step block of more than 30 steps becomes a serial block with one step block per
  distinct order; any step block still over 100 steps becomes a serial block of chunks of 100.

The task tree wraps the plan in a root block `0` and a phase block `0_1` (so the plan itself is
`0_1_1`, as XL Deploy numbers it). Ids are hierarchical: the n-th child of block `x` is `x_n`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SPLIT_BY_ORDER_ABOVE = 30
CHUNK_SIZE = 100
SERIAL, PARALLEL = "serial", "parallel"


@dataclass(eq=False)
class Block:
    description: str
    id: str = field(default="", kw_only=True)


@dataclass(eq=False)
class Interleaved(Block):
    """An orchestration leaf: the deltas whose steps run interleaved by order."""
    deltas: list = field(default_factory=list)

    def shape(self):
        return ("interleaved", self.description, [d.id for d in self.deltas])


@dataclass(eq=False)
class Composite(Block):
    kind: str = SERIAL
    blocks: list = field(default_factory=list)
    root: bool = False
    phase: bool = False

    def shape(self):
        return (self.kind, self.description, [b.shape() for b in self.blocks])


@dataclass(eq=False)
class StepBlock(Block):
    steps: list = field(default_factory=list)

    def shape(self):
        return ("steps", self.description, [s.description for s in self.steps])


def serial(description: str, blocks: list) -> Composite:
    return Composite(description=description, kind=SERIAL, blocks=list(blocks))


def parallel(description: str, blocks: list) -> Composite:
    return Composite(description=description, kind=PARALLEL, blocks=list(blocks))


def leaves(block: Block):
    """Every leaf block, depth first, left to right."""
    if isinstance(block, Composite):
        for child in block.blocks:
            yield from leaves(child)
    else:
        yield block


def replace_leaves(block: Block, replace) -> Block:
    """A copy of the tree with each Interleaved leaf replaced by replace(leaf)."""
    if isinstance(block, Composite):
        return Composite(description=block.description, kind=block.kind,
                         blocks=[replace_leaves(b, replace) for b in block.blocks], root=block.root, phase=block.phase)
    if isinstance(block, Interleaved):
        return replace(block)
    return block


def simplify(block: Block) -> Block | None:
    """Remove empty blocks; replace a serial or parallel block of one child by that child."""
    if isinstance(block, StepBlock):
        return block if block.steps else None
    if isinstance(block, Interleaved):
        return block if block.deltas else None
    kept = [b for b in (simplify(child) for child in block.blocks) if b is not None]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return Composite(description=block.description, kind=block.kind, blocks=kept, root=block.root, phase=block.phase)


def _chunks(description: str, steps: list) -> Block:
    if len(steps) <= CHUNK_SIZE:
        return StepBlock(description=description, steps=steps)
    parts = []
    for start in range(0, len(steps), CHUNK_SIZE):
        part = steps[start:start + CHUNK_SIZE]
        parts.append(StepBlock(description=f"Steps {start + 1} to {start + len(part)}", steps=part))
    return serial(description, parts)


def split(block: Block) -> Block:
    """Split large step blocks: by order above 30 steps, then into chunks of 100."""
    if isinstance(block, Composite):
        return Composite(description=block.description, kind=block.kind, blocks=[split(b) for b in block.blocks],
                         root=block.root, phase=block.phase)
    if not isinstance(block, StepBlock) or len(block.steps) <= SPLIT_BY_ORDER_ABOVE:
        return block
    groups: dict[int, list] = {}
    for step in block.steps:
        groups.setdefault(step.order, []).append(step)
    if len(groups) == 1:
        return _chunks(block.description, block.steps)
    from .steps import order_name
    parts = []
    for order, steps in groups.items():
        label = order_name(order)
        text = f"Steps with order {order}" + (f" ({label})" if label else "")
        parts.append(_chunks(text, steps))
    return serial(block.description, parts)


def assign_ids(block: Block, block_id: str = "0") -> Block:
    block.id = block_id
    if isinstance(block, Composite):
        for n, child in enumerate(block.blocks, start=1):
            assign_ids(child, f"{block_id}_{n}")
    return block


def task_tree(plan: Block | None, description: str, phase: str) -> Composite:
    """Root `0` holding one phase `0_1` holding the plan `0_1_1` (an empty step block if there is none)."""
    plan = plan if plan is not None else StepBlock(description=description, steps=[])
    phase_block = Composite(description=phase, kind=SERIAL, blocks=[plan], phase=True)
    root = Composite(description=description, kind=SERIAL, blocks=[phase_block], root=True)
    return assign_ids(root)


def block_json(block: Block, step_json) -> dict:
    """The client-facing form of a block (TaskWithBlock): state PENDING for a new plan."""
    if isinstance(block, Composite):
        out = {"id": block.id, "description": block.description, "state": "PENDING", "type": block.kind,
               "root": block.root}
        if block.phase:
            out["phase"] = True
        out["blocks"] = [block_json(b, step_json) for b in block.blocks]
        return out
    steps = block.steps if isinstance(block, StepBlock) else []
    return {"id": block.id, "description": block.description, "state": "PENDING", "type": "steps", "current": 0,
            "steps": [step_json(s) for s in steps]}


def find_block(tree: dict, block_id: str) -> dict | None:
    """The block with an id in a JSON block tree."""
    if tree.get("id") == block_id:
        return tree
    for child in tree.get("blocks") or ():
        if block_id == child.get("id") or block_id.startswith(child.get("id", "") + "_"):
            found = find_block(child, block_id)
            if found is not None:
                return found
    return None


def count_steps(tree: dict) -> int:
    return len(tree.get("steps") or ()) + sum(count_steps(b) for b in tree.get("blocks") or ())
