"""Jinja templates: sandboxed, strict about undefined names, with the filters campaigns need."""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any, Iterable, Mapping

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment


class RenderError(Exception):
    """A template could not be rendered; the message says why and how to fix it."""


class TemplateProblem(Exception):
    """A template is invalid (syntax or a refused construct), with its line in the template."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def slug(value: object) -> str:
    """`City Boot!` -> `city-boot`: lowercase ASCII words joined by dashes."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["slug"] = slug
    return env


ENVIRONMENT = _environment()


def check_template(source: str) -> None:
    """Raise TemplateProblem for syntax errors and for access to private attributes."""
    try:
        tree = ENVIRONMENT.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno) from None
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = _attribute_name(node)
        if name is not None and (name.startswith("_") or name in {"mro", "func_globals", "gi_frame"}):
            raise TemplateProblem(
                f"templates may not access '{name}' (templates run sandboxed; use plain variables and filters)",
                node.lineno,
            )


def _attribute_name(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return str(node.attr)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None


class Renderer:
    """Renders template sources with a context; compiled templates and their results are cached."""

    def __init__(self, spec: object | None = None) -> None:
        self._compiled: dict[str, tuple[jinja2.Template, tuple[str, ...]]] = {}
        self._results: dict[tuple[object, ...], str] = {}

    def render(self, source: str, context: Mapping[str, Any]) -> str:
        """Render `source`; undefined names and sandbox violations raise RenderError."""
        compiled = self._compiled.get(source)
        if compiled is None:
            names = tuple(sorted(meta.find_undeclared_variables(ENVIRONMENT.parse(source))))
            compiled = (ENVIRONMENT.from_string(source), names)
            self._compiled[source] = compiled
        template, names = compiled
        # A template's output depends only on the names it reads: a matrix of 10k cells often
        # renders the same script for many avatars.
        key: tuple[object, ...] | None = (source, *(_frozen(context.get(n, _MISSING)) for n in names))
        try:
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in self._results:
            return self._results[key]
        try:
            text = template.render(context)
            if key is not None:
                self._results[key] = text
            return text
        except jinja2.UndefinedError as exc:
            raise RenderError(_undefined_message(str(exc.message or exc), context)) from None
        except SecurityError as exc:
            raise RenderError(f"refused by the template sandbox: {exc}") from None
        except jinja2.TemplateError as exc:
            raise RenderError(f"template error: {exc}") from None
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise RenderError(f"template error: {exc}") from None


_MISSING = object()


def _frozen(value: object) -> object:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _undefined_message(message: str, context: Mapping[str, Any]) -> str:
    match = re.match(r"'([^']+)' is undefined", message)
    if match is None:
        return message
    return match.group(0) + did_you_mean(match.group(1), context.keys())


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` for a near miss, else ``."""
    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
