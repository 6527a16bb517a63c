"""Templates of text and names only are joined rather than run through Jinja: the results must be the same."""

from __future__ import annotations

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.campaignfile.templates import Renderer, RenderError

NAMES = ("avatar", "script", "product")
text = st.text(alphabet=st.characters(blacklist_characters="{}%#"), max_size=12)
pieces = st.lists(st.one_of(text, st.sampled_from(NAMES).map(lambda n: f"{{{{ {n} }}}}")), max_size=6)
values = st.dictionaries(st.sampled_from(NAMES), st.one_of(st.text(max_size=12), st.integers(), st.none()))


@settings(max_examples=300, deadline=None)
@given(pieces=pieces, context=values, trailing=st.sampled_from(["", "\n", "\n\n", " \n"]))
def test_joined_templates_render_as_jinja_renders_them(
    pieces: list[str], context: dict[str, object], trailing: str
) -> None:
    source = "".join(pieces) + trailing
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    try:
        expected: str | None = env.from_string(source).render(context)
    except jinja2.UndefinedError:
        expected = None
    try:
        got: str | None = Renderer().render(source, context)
    except RenderError as exc:
        assert "is undefined" in str(exc)
        got = None
    assert got == expected


def test_a_joined_template_over_the_limit_is_refused_as_any_other() -> None:
    class Spec:
        class limits:
            rendered_chars = 10

    renderer = Renderer(Spec())
    assert renderer.render("{{ a }}-{{ b }}", {"a": "1234", "b": "5678"}) == "1234-5678"
    with pytest.raises(RenderError, match=r"more than 10 characters \(`limits.rendered_chars`\)"):
        renderer.render("{{ a }}-{{ b }}", {"a": "12345", "b": "67890"})
