"""Jinja templates: sandboxed, strict about undefined names, with the filters campaigns need."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jinja2
import regex
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from runner.campaignfile.sizes import DEFAULT_RENDERED_CHARS
from runner.campaignfile.values import typed_key


class RenderError(Exception):
    """A template could not be rendered; the message says why and how to fix it."""


class TemplateProblem(Exception):
    """A template is invalid (syntax or a refused construct), with its line in the template."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def slug(value: object) -> str:
    """`City Boot!` -> `city-boot`, `Crème` -> `creme`, `東京 ブーツ` -> `東京-ブーツ`: letters of every script kept."""
    return _slug_text(str(value))


@functools.lru_cache(maxsize=1 << 16)  # default names slug the same few axis values for every cell of a matrix
def _slug_text(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    # Accents on Latin letters go (ASCII names read well in TikTok's UI); marks of other scripts are part of their letters.
    text = _LATIN_ACCENT.sub("", decomposed)
    text = unicodedata.normalize("NFC", text).lower()
    return str(_NOT_LETTERS.sub("-", text)).strip("-")


_LATIN_ACCENT = regex.compile(r"(?<=[A-Za-z])\p{Mn}+")
_NOT_LETTERS = regex.compile(r"[^\p{L}\p{M}\p{N}]+")

_REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
    nodes.Extends: "extends",
}


def _environment(max_chars: int = DEFAULT_RENDERED_CHARS) -> _GuardedEnvironment:
    env = _GuardedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.max_chars = max_chars
    env.filters["slug"] = slug
    env.filters["center"] = _guarded_filter(env, env.filters["center"])
    env.filters["indent"] = _guarded_filter(env, env.filters["indent"])
    env.filters["format"] = _guarded_format(env, env.filters["format"])
    env.globals["range"] = env.budgeted_range
    return env


class TooLarge(Exception):
    """A template asked for a value longer than the rendered-length limit."""


class _GuardedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, plus refusals of operations that would build huge strings, lists or numbers."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    max_chars = DEFAULT_RENDERED_CHARS
    range_left = DEFAULT_RENDERED_CHARS

    def budgeted_range(self, *args: int) -> range:
        """`range()` whose items, over one whole render, count against the rendered-length limit."""
        numbers = range(*args)
        self.range_left -= len(numbers)
        if self.range_left < 0:
            raise TooLarge(f"loops of more than {self.max_chars:,} steps in all; the limit is `limits.rendered_chars`")
        return numbers

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Check the size of `left operator right` before computing it."""
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and _is_int(times):
                    self.check_size(len(seq) * max(times, 0))
            if _is_int(left) and _is_int(right) and abs(left).bit_length() + abs(right).bit_length() > _MAX_BITS:
                raise TooLarge(f"a number with more than {_MAX_BITS:,} bits")
        elif operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1 and right > 0:
            if right * abs(left).bit_length() > _MAX_BITS:
                raise TooLarge(f"a number with more than {_MAX_BITS:,} bits")
        elif operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            self.check_size(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            self.check_format(left, right if isinstance(right, tuple) else (right,))
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Check width arguments of string methods (`ljust`, `center`, `format`, `replace`...) first."""
        method = getattr(__obj, "__wrapped__", __obj)  # Jinja 3.1.5+ wraps str.format in its own function
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str):
            name = getattr(method, "__name__", "")
            if name in ("format", "format_map"):
                __self.check_format(owner, (*args, *kwargs.values()))
            elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
                grows = len(args[1]) - len(args[0])
                __self.check_size(len(owner) + max(grows, 0) * (owner.count(args[0]) if args[0] else len(owner) + 1))
            else:
                for arg in (*args, *kwargs.values()):
                    if _is_int(arg):
                        __self.check_size(arg)
        return super().call(__context, __obj, *args, **kwargs)

    def check_size(self, size: int) -> None:
        """Refuse building a value of `size` characters or items over the limit."""
        if size > self.max_chars:
            raise TooLarge(f"a value of {size:,} characters; the limit is {self.max_chars:,} (`limits.rendered_chars`)")

    def check_format(self, pattern: str, args: tuple[Any, ...]) -> None:
        """Refuse `%` and `format` patterns whose widths or star arguments exceed the limit."""
        for width in regex.findall(r"[0-9]+", pattern):
            self.check_size(int(width))
        if "*" in pattern:
            for arg in args:
                if _is_int(arg):
                    self.check_size(arg)


_MAX_BITS = 100_000


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _guarded_filter(env: _GuardedEnvironment, inner: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(value: Any, *args: Any, **kwargs: Any) -> Any:
        for arg in (*args, *kwargs.values()):
            if _is_int(arg):
                env.check_size(arg)
        return inner(value, *args, **kwargs)

    return guarded


def _guarded_format(env: _GuardedEnvironment, inner: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(value: Any, *args: Any, **kwargs: Any) -> Any:
        env.check_format(str(value), (*args, *kwargs.values()))
        return inner(value, *args, **kwargs)

    return guarded


ENVIRONMENT = _environment()


def check_template(source: str) -> None:
    """Raise TemplateProblem for syntax errors, unknown filters, file tags and private attributes."""
    try:
        tree = ENVIRONMENT.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno) from None
    except RecursionError:
        raise TemplateProblem("template is nested too deeply", 1) from None
    for tag_node in tree.find_all(tuple(_REFUSED_TAGS)):
        tag = _REFUSED_TAGS[type(tag_node)]
        raise TemplateProblem(
            f"`{{% {tag} %}}` is not supported: a template is one self-contained text; "
            "put shared words in `vars` and use them as `{{ name }}`",
            tag_node.lineno,
        )
    for used in tree.find_all((nodes.Filter, nodes.Test)):
        known = ENVIRONMENT.filters if isinstance(used, nodes.Filter) else ENVIRONMENT.tests
        if used.name not in known:
            what = "filter" if isinstance(used, nodes.Filter) else "test"
            raise TemplateProblem(f"unknown {what} '{used.name}'" + did_you_mean(used.name, known), used.lineno)
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


def script_text(rendered: str) -> str:
    """A rendered script as a person means it: without the blank lines and spaces tags leave around it.

    A `{# comment #}` or `{% if %}` line at the top or bottom of a template renders as a blank line there;
    the words between are kept exactly as the template writes them.
    """
    return rendered.strip()


class Renderer:
    """Renders template sources with a context; compiled templates and their results are cached."""

    def __init__(self, spec: object | None = None) -> None:
        limits = getattr(spec, "limits", None)
        self.max_chars = int(getattr(limits, "rendered_chars", DEFAULT_RENDERED_CHARS))
        self._env: _GuardedEnvironment = _environment(self.max_chars)
        self._compiled: dict[str, tuple[jinja2.Template, tuple[str, ...], _Plain | None]] = {}
        self._results: dict[tuple[object, ...], str] = {}

    def render(self, source: str, context: Mapping[str, Any]) -> str:
        """Render `source`; undefined names, sandbox violations and oversized results raise RenderError."""
        try:
            compiled = self._compile(source)
        except RecursionError:
            raise RenderError("template is nested too deeply") from None
        except jinja2.TemplateError as exc:
            raise RenderError(f"template error: {exc}") from None
        template, names, plain = compiled
        if plain is not None and all(type(context.get(name)) is str for name in names):
            text = "".join(context[part] if is_name else part for is_name, part in plain)
            if len(text) <= self.max_chars:
                return text  # (longer: the full render below says so)
        # A template's output depends only on the names it reads: a matrix of 10k cells often
        # renders the same script for many avatars. Keys are typed: `true`, `1` and `1.0` render differently.
        parts: list[object] = [source]
        for name in names:
            value = context.get(name, _MISSING)
            parts.append(value if type(value) is str else _frozen(value))  # most values are plain text
        key: tuple[object, ...] | None = tuple(parts)
        try:
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in self._results:
            return self._results[key]
        try:
            text = self._bounded(template, context)
        except TooLarge as exc:
            raise RenderError(f"the template would build {exc}") from None
        except jinja2.UndefinedError as exc:
            raise RenderError(_undefined_message(str(exc.message or exc), context)) from None
        except SecurityError as exc:
            raise RenderError(f"refused by the template sandbox: {exc}") from None
        except jinja2.TemplateError as exc:
            raise RenderError(f"template error: {exc}") from None
        except (
            TypeError,
            ValueError,
            ArithmeticError,
            LookupError,
            AttributeError,
            RecursionError,
            MemoryError,
        ) as exc:
            raise RenderError(f"template error: {exc}") from None
        if key is not None:
            self._results[key] = text
        return text

    def _compile(self, source: str) -> tuple[jinja2.Template, tuple[str, ...], _Plain | None]:
        compiled = self._compiled.get(source)
        if compiled is None:
            tree = self._env.parse(source)
            names = tuple(sorted(meta.find_undeclared_variables(tree)))
            template = self._env.from_string(source)
            # Jinja chains a template's globals to its environment's and flattens the chain on every render;
            # this environment's globals are set once when it is built, so one flat copy renders the same.
            template.globals = dict(template.globals)
            compiled = (template, names, _plain(tree))
            self._compiled[source] = compiled
        return compiled

    def _bounded(self, template: jinja2.Template, context: Mapping[str, Any]) -> str:
        """Render chunk by chunk, stopping as soon as the output passes the limit."""
        chunks: list[str] = []
        size = 0
        self._env.range_left = self.max_chars
        for chunk in template.generate(context):
            size += len(chunk)
            if size > self.max_chars:
                raise TooLarge(f"more than {self.max_chars:,} characters (`limits.rendered_chars`)")
            chunks.append(chunk)
        return "".join(chunks)


_MISSING = object()

# A template of text and `{{ name }}`s only, as (is a name, text or name) parts: a video name such as
# "{{ avatar }}-{{ product }}" is rendered for every cell, and Jinja's machinery costs ten times the joining.
_Plain = tuple[tuple[bool, str], ...]


def _plain(tree: nodes.Template) -> _Plain | None:
    """The parts of a template that only joins text and names (rendered the same by joining, when the values
    are text: Jinja outputs a string as it is); None for any other template."""
    if not tree.body:
        return ()
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts: list[tuple[bool, str]] = []
    for node in tree.body[0].nodes:
        if isinstance(node, nodes.TemplateData):
            parts.append((False, node.data))
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            parts.append((True, node.name))
        else:
            return None
    return tuple(parts)


def _frozen(value: object) -> object:
    if isinstance(value, dict):
        return tuple(sorted(((k, _frozen(v)) for k, v in value.items()), key=repr))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (int, float)):
        return (*typed_key(value), str(value))
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
