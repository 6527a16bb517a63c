"""The emulator's own reading of the providers' docs (../shared/api-docs, DESIGN.md), one module per provider.

Written from the docs, never imported from the client side: where the two readings differ, the
emulator catches the client's misreading (the agreement is checked in tests/sandbox/docs_facts/).
"""
