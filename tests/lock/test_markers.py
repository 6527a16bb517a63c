"""Git's conflict markers in a lockfile: found, split into both sides, and never answered with "restore it from git"."""

from __future__ import annotations

import pytest

from runner.errors import LockfileError
from runner.lock import records
from runner.lock.markers import conflict_line, merge_command_for, split_sides

CONFLICTED = """{
  "campaign": "skin",
<<<<<<< HEAD
  "serial": 4,
||||||| base
  "serial": 3,
=======
  "serial": 5,
>>>>>>> refresh-round
  "jobs": {}
}
"""


def test_both_sides_are_recovered_and_a_diff3_base_is_dropped() -> None:
    ours, theirs = split_sides(CONFLICTED, "x.lock.yaml")
    assert '"serial": 4' in ours and '"serial": 3' not in ours and '"serial": 5' not in ours
    assert '"serial": 5' in theirs and '"serial": 4' not in theirs
    assert ours.count('"jobs"') == theirs.count('"jobs"') == 1
    assert conflict_line(CONFLICTED) == 3 and conflict_line(ours) is None


def test_an_unclosed_conflict_is_refused() -> None:
    with pytest.raises(LockfileError, match="not closed"):
        split_sides(CONFLICTED.replace(">>>>>>> refresh-round\n", ""), "x.lock.yaml")


def test_a_conflicted_lockfile_points_to_the_merge_command_not_to_git() -> None:
    with pytest.raises(LockfileError) as caught:
        records.loads(CONFLICTED, "campaigns/skin.lock.yaml")
    message = str(caught.value)
    assert "campaigns/skin.lock.yaml:3:" in message
    assert "campaign lock merge campaigns/skin.yaml" in message
    assert "restore it from git" not in message


def test_the_merge_command_names_the_sandbox_flag_or_the_lock_path() -> None:
    assert merge_command_for("a/b.sandbox.lock.yaml") == "campaign lock merge a/b.yaml --sandbox"
    assert merge_command_for("odd.json") == "campaign lock merge SPEC --lock odd.json"


@pytest.mark.parametrize("line_break", ["\u2028", "\u2029", "\x85"])
def test_a_marker_after_a_unicode_line_break_inside_a_json_string_is_still_a_conflict(line_break: str) -> None:
    # JSON parses it, but the marker starts a line as str.splitlines cuts them: the file is read as conflicted.
    text = '{\n  "campaign": "skin' + line_break + '<<<<<<< x",\n  "version": 2,\n  "jobs": {}\n}\n'
    with pytest.raises(LockfileError, match=r"x\.lock\.yaml:3: the lockfile has git merge conflict markers"):
        records.loads(text, "x.lock.yaml")


def test_a_valid_ascii_lockfile_with_markers_only_inside_strings_reads() -> None:
    text = '{\n  "campaign": "<<<<<<< skin =======",\n  "version": 2,\n  "jobs": {}\n}\n'
    assert records.loads(text, "x.lock.yaml").campaign == "<<<<<<< skin ======="
