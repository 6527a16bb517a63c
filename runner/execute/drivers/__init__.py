"""One driver per job kind, found through the kind registry: `kind(name).driver` is a "module:Class" path.

A kind registered from outside the tool (a test, a plug-in) gets its driver without editing the engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator

from runner.execute.drivers.base import Driver, DriverParts
from runner.vocabulary.kinds import KindSpec, kind, kinds


def driver_class(spec: KindSpec) -> Callable[[DriverParts], Driver]:
    """Import the class a kind's entry names."""
    module_name, _, class_name = spec.driver.partition(":")
    module = importlib.import_module(module_name)
    made: Callable[[DriverParts], Driver] = getattr(module, class_name)
    return made


class Drivers:
    """The run's drivers by kind, each made when the run first needs it."""

    def __init__(self, parts: Callable[[KindSpec], DriverParts]) -> None:
        self._parts = parts  # what a driver of a kind is handed
        self._drivers: dict[str, Driver] = {}

    def get(self, name: str) -> Driver:
        """The driver of a kind (KeyError for a kind nobody registered)."""
        driver = self._drivers.get(name)
        if driver is None:
            spec = kind(name)
            driver = self._drivers[name] = driver_class(spec)(self._parts(spec))
        return driver

    def load(self, names: set[str]) -> None:
        """Make the drivers of these kinds now, in the registry's order (the order creates and polls go out)."""
        for spec in kinds():
            if spec.name in names:
                self.get(spec.name)

    def __iter__(self) -> Iterator[Driver]:
        return iter(tuple(self._drivers.values()))
