"""GitOps helpers: the sticky plan comment for pull requests."""
