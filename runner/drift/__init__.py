"""`campaign drift`: what changed since the last apply, found without creating anything."""
