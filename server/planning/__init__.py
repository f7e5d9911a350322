"""Deployment planning: specification, delta analysis, orchestration and rules (pure code)."""
