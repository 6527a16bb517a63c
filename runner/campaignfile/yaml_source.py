"""YAML 1.2 core loading that remembers where every value starts and refuses duplicate keys."""

from __future__ import annotations

from typing import Any

import yaml

from runner.campaignfile import values
from runner.campaignfile.sizes import DEFAULT_YAML_NODES
from runner.errors import Problem

try:
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Base = yaml.SafeLoader

MERGE_TAG = "tag:yaml.org,2002:merge"


class CoreLoader(_Base):  # type: ignore[misc]
    """PyYAML's safe loader with YAML 1.2 core scalars: only true/false are booleans, no dates."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, Any]]] = {}


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    if not values.INT_RE.match(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not an integer (YAML 1.2 core)", node.start_mark
        )
    return values.int_from_text(text)


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    text = str(node.value)
    if not values.FLOAT_RE.match(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a number (YAML 1.2 core)", node.start_mark
        )
    return values.float_from_text(text)


def _construct_bool(loader: Any, node: yaml.ScalarNode) -> bool:
    return str(node.value).lower() in ("true", "yes", "on", "y")


for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:null", values.NULL_RE, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", values.BOOL_RE, list("tTfF")),
    ("tag:yaml.org,2002:int", values.INT_RE, list("-+0123456789")),
    ("tag:yaml.org,2002:float", values.FLOAT_RE, list("-+.0123456789")),
    (MERGE_TAG, yaml.resolver.Resolver.yaml_implicit_resolvers["<"][0][1], ["<"]),
):
    CoreLoader.add_implicit_resolver(_tag, _regexp, _first)
CoreLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
CoreLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
CoreLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


def child_path(parent: str, key: object) -> str:
    """`videos` + 0 -> `videos[0]`; `avatars` + `tom` -> `avatars.tom`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


Marks = dict[str, tuple[int, int]]


def load_yaml(text: str, file: str) -> tuple[Any, Marks, list[Problem]]:
    """Parse one YAML document into data, a path -> (line, col) map, and problems."""
    loader = CoreLoader(text)
    try:
        node = loader.get_single_node()
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
            return None, {"": (1, 1)}, [Problem(file, 1, 1, "", "the file has no content; start with `version: 1`")]
        problem = _size_problem(node, file)
        if problem is not None:
            return None, {"": (1, 1)}, [problem]
        marks: Marks = {"": (1, 1)}
        problems: list[Problem] = []
        _walk(node, "", marks, problems, file)  # before construction, which flattens merge keys in place
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context}"
        if mark is not None and text[mark.index : mark.index + 1] == "\t":
            message += " (a tab: indent with spaces, not tabs)"
        return None, {"": (1, 1)}, [Problem(file, line, col, "", message)]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return (
            None,
            {"": (1, 1)},
            [Problem(file, line, col, "", f"invalid YAML: the character U+{char:04X} is not allowed; remove it")],
        )
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return None, {"": (1, 1)}, [Problem(file, 1, 1, "", f"invalid YAML: {exc}")]
    except RecursionError:
        return None, {"": (1, 1)}, [Problem(file, 1, 1, "", "the YAML is nested too deeply to read")]
    finally:
        loader.dispose()
    return data, marks, problems


def _size_problem(root: yaml.Node, file: str) -> Problem | None:
    """Refuse alias bombs (and recursive aliases) by counting the expanded document, never building it."""
    limit = _configured_yaml_nodes(root)
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in active:
            raise _Recursive(node)
        active.add(id(node))
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key) + size(value)
                if total > limit:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item)
                if total > limit:
                    break
        active.discard(id(node))
        sizes[id(node)] = total
        return total

    try:
        total = size(root)
    except _Recursive as exc:
        mark = exc.node.start_mark
        return Problem(
            file,
            mark.line + 1,
            mark.column + 1,
            "",
            "an alias refers to the value that contains it; YAML values must not contain themselves",
        )
    if total > limit:
        return Problem(
            file,
            1,
            1,
            "",
            f"the document expands to more than {limit:,} YAML values (aliases repeat what they point to); "
            "the limit is set by `limits.yaml_nodes`",
        )
    return None


class _Recursive(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("recursive alias")
        self.node = node


def _configured_yaml_nodes(root: yaml.Node) -> int:
    """`limits.yaml_nodes` read straight from the nodes, since the data is not built yet."""
    for key, value in _items(root, "limits"):
        if isinstance(value, yaml.MappingNode):
            for inner_key, inner in value.value:
                if (
                    isinstance(inner_key, yaml.ScalarNode)
                    and inner_key.value == "yaml_nodes"
                    and isinstance(inner, yaml.ScalarNode)
                ):
                    if values.INT_RE.match(str(inner.value)) and int(values.int_from_text(str(inner.value))) > 0:
                        return int(values.int_from_text(str(inner.value)))
        del key
    return DEFAULT_YAML_NODES


def _items(node: yaml.Node, wanted: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == wanted]


def _effective_items(
    node: yaml.MappingNode, path: str, problems: list[Problem], file: str
) -> dict[object, tuple[yaml.Node, yaml.Node]]:
    """Key -> (key node, value node) after YAML merge keys: explicit keys override merged ones."""
    explicit: dict[object, tuple[yaml.Node, yaml.Node]] = {}
    merged: dict[object, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        if key_node.tag == MERGE_TAG:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    for key, pair in _effective_items(source, path, [], file).items():
                        merged.setdefault(key, pair)  # earlier merged mappings take precedence
            continue
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
        if key in explicit:
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            problems.append(
                Problem(file, line, col, child_path(path, key), f"duplicate key '{key}'; a key may appear only once")
            )
            continue
        explicit[key] = (key_node, value_node)
    return {**merged, **explicit}


def _walk(node: yaml.Node, path: str, marks: Marks, problems: list[Problem], file: str) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, (key_node, value_node) in _effective_items(node, path, problems, file).items():
            sub = child_path(path, key)
            _walk(value_node, sub, marks, problems, file)
            marks[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, child_path(path, index), marks, problems, file)
