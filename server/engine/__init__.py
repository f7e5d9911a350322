"""The task engine: tasks stored with their plan, executed step by step (execution comes later)."""
