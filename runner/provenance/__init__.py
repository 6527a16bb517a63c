"""Content credentials: every downloaded video signed with a C2PA manifest, and checked again."""
