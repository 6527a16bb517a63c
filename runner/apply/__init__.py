"""The apply command's steps: load, lock, check the world, resolve, plan, confirm, record, execute, report."""
