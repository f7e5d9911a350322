"""Which deployables go to which containers: tag matching and the deployed type for a pair.

Tags (reference manual, "Tag-based Deployments"): a deployable and a container match when both have
no tags, either has the tag `*`, either has `+` and the other has at least one tag, or they share a
tag.

Deployed types (engine reference §1.6): a deployed type T can map deployable type d onto container
type c when d is-a T's deployable-type and c is-a T's container-type. Among the candidates the most
specific wins: a candidate is dropped when another's (deployable-type, container-type) pair is a
strict sub-pair of its own. When more than one remains the pair is ambiguous and is not mapped
automatically; `generateSingleDeployed` with an explicit type maps it.
"""

from __future__ import annotations

from ..types import TypeRegistry


def tags_match(deployable_tags, container_tags) -> bool:
    d = set(deployable_tags or ())
    c = set(container_tags or ())
    if not d and not c:
        return True
    if "*" in d or "*" in c:
        return True
    if ("+" in d and c) or ("+" in c and d):
        return True
    return bool(d & c)


class TypeMatcher:
    """Deployed types for (deployable type, container type) pairs, cached."""

    def __init__(self, types: TypeRegistry):
        self.types = types
        self._cache: dict[tuple[str, str], list[str]] = {}

    def candidates(self, deployable_type: str, container_type: str) -> list[str]:
        return self.types.deployed_types_for(deployable_type, container_type)

    def most_specific(self, deployable_type: str, container_type: str) -> list[str]:
        """The most specific candidates; one means a clear match, several an ambiguity."""
        key = (deployable_type, container_type)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._most_specific(self.candidates(deployable_type, container_type))
        return found

    def _most_specific(self, candidates: list[str]) -> list[str]:
        is_a = self.types.is_a
        pairs = {t: (self.types.get(t).deployable_type, self.types.get(t).container_type) for t in candidates}

        def narrower(a, b) -> bool:  # pair a is a strict sub-pair of pair b
            return a != b and is_a(a[0], b[0]) and is_a(a[1], b[1])

        kept = [t for t in candidates if not any(narrower(pairs[o], pairs[t]) for o in candidates if o != t)]
        return sorted(kept)

    def can_map(self, deployed_type: str, deployable_type: str, container_type: str) -> bool:
        desc = self.types.get(deployed_type)
        return bool(desc and not desc.virtual and desc.deployable_type and desc.container_type
                    and self.types.is_a(deployable_type, desc.deployable_type)
                    and self.types.is_a(container_type, desc.container_type))
