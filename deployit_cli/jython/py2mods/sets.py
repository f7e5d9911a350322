"""Python 2's sets module."""

Set = set
ImmutableSet = frozenset
