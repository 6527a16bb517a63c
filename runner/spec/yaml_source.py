"""YAML loading that remembers where every value starts and refuses duplicate keys."""

from __future__ import annotations

from typing import Any

import yaml

from runner.errors import Problem

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


def child_path(parent: str, key: object) -> str:
    """`videos` + 0 -> `videos[0]`; `avatars` + `tom` -> `avatars.tom`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def load_yaml(text: str, file: str) -> tuple[Any, dict[str, tuple[int, int]], list[Problem]]:
    """Parse one YAML document into data, a path -> (line, col) map, and problems."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {"": (1, 1)}, [Problem(file, 1, 1, "", "the file is empty; start with `version: 1`")]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context}"
        if mark is not None and text[mark.index : mark.index + 1] == "\t":
            message += " (a tab: indent with spaces, not tabs)"
        return None, {"": (1, 1)}, [Problem(file, line, col, "", message)]
    finally:
        loader.dispose()
    marks: dict[str, tuple[int, int]] = {"": (1, 1)}
    problems: list[Problem] = []
    _walk(node, "", marks, problems, file)
    return data, marks, problems


def _walk(node: yaml.Node, path: str, marks: dict[str, tuple[int, int]], problems: list[Problem], file: str) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            sub = child_path(path, key)
            if key in seen:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                problems.append(Problem(file, line, col, sub, f"duplicate key '{key}'; a key may appear only once"))
            seen.add(key)
            _walk(value_node, sub, marks, problems, file)
            marks[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, child_path(path, index), marks, problems, file)
