"""One module per check type; each registers itself with lessons.checks.registry."""
