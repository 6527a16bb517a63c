"""Git's merge conflict markers in a lockfile: found, split into both sides, or written around both sides."""

from __future__ import annotations

from runner.errors import LockfileError
from runner.workspace import LOCK_SUFFIX, SANDBOX_LOCK_SUFFIX

OURS, BASE, SEPARATOR, THEIRS = "<<<<<<<", "|||||||", "=======", ">>>>>>>"


def conflict_line(text: str) -> int | None:
    """The 1-based line of the first git conflict marker in `text`, or None when it has none."""
    if OURS not in text and THEIRS not in text and SEPARATOR not in text:  # most files: no line to look at
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(OURS) or line.startswith(THEIRS) or line.rstrip("\r\n") == SEPARATOR:
            return number
    return None


def split_sides(text: str, source: str) -> tuple[str, str]:
    """Our side and their side of a file with git conflict markers (a diff3 base section is dropped)."""
    ours: list[str] = []
    theirs: list[str] = []
    where = "both"
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        bare = line.rstrip("\r\n")
        if bare.startswith(OURS) and where == "both":
            where = "ours"
        elif bare.startswith(BASE) and where == "ours":
            where = "base"
        elif bare == SEPARATOR and where in ("ours", "base"):
            where = "theirs"
        elif bare.startswith(THEIRS) and where == "theirs":
            where = "both"
        elif bare.startswith((OURS, BASE, THEIRS)) or bare == SEPARATOR:
            raise LockfileError(f"{source}:{number}: unbalanced merge conflict marker; finish the merge by hand")
        else:
            if where in ("both", "ours"):
                ours.append(line)
            if where in ("both", "theirs"):
                theirs.append(line)
    if where != "both":
        raise LockfileError(f"{source}: a merge conflict is not closed by '{THEIRS}'; finish the merge by hand")
    return "".join(ours), "".join(theirs)


def conflicted_text(ours: str, theirs: str) -> str:
    """Both whole sides between git's markers, for a merge that has contradictions left."""
    end = "" if ours.endswith("\n") or not ours else "\n"
    tail = "" if theirs.endswith("\n") or not theirs else "\n"
    return f"{OURS} ours\n{ours}{end}{SEPARATOR}\n{theirs}{tail}{THEIRS} theirs\n"


def merge_command_for(lock_source: str) -> str:
    """The `campaign lock merge` command line for a lockfile's path (its campaign file sits beside it)."""
    for suffix, flag in ((SANDBOX_LOCK_SUFFIX, " --sandbox"), (LOCK_SUFFIX, "")):
        if lock_source.endswith(suffix):
            return f"campaign lock merge {lock_source[: -len(suffix)]}.yaml{flag}"
    return f"campaign lock merge SPEC --lock {lock_source}"


def conflict_message(lock_source: str, line: int) -> str:
    """What to do about a lockfile that still holds merge conflicts (never: restore one side from git)."""
    return (
        f"{lock_source}:{line}: the lockfile has git merge conflict markers; run `{merge_command_for(lock_source)}` "
        "to keep both sides' jobs (each side holds paid video ids: taking one side from git pays again)"
    )
