"""The ground floor: job kinds, states, events, error codes and providers, each with the facts that belong to it.

Every other layer reads these; nothing here imports from the rest of the package.
"""
