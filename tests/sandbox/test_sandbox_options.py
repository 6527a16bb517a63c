"""`campaign sandbox` refuses impossible numeric options with one message and exit 1."""

from __future__ import annotations

import pytest

from runner.cli import main


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "99999"], "'--port': 99999 is not in the range 0<=x<=65535"),
        (["--port", "-1"], "'--port'"),
        (["--qps", "0"], "'--qps': '0' must be a number > 0"),
        (["--qps", "-5"], "'--qps': '-5' must be a number > 0"),
        (["--qps", "ten"], "'--qps': 'ten' is not a number"),
        (["--speed", "0"], "'--speed': '0' must be a number > 0"),
        (["--speed", "-0.5"], "'--speed': '-0.5' must be a number > 0"),
        (["--speed", "nan"], "'--speed': 'nan' must be a number > 0"),
        (["--speed", "fast"], "'--speed': 'fast' is not a number"),
        (["--spread", "0,1"], "'--spread': '0,1' must satisfy 0 < LOW <= HIGH"),
        (["--spread", "1.5,0.5"], "'--spread': '1.5,0.5' must satisfy 0 < LOW <= HIGH"),
        (["--spread", "wide"], "'--spread': 'wide' is not two numbers LOW,HIGH"),
        (["--spread", "-1,2"], "'--spread'"),
        (["--url-ttl", "-3"], "'--url-ttl'"),
        (["--fault-rate", "1.5"], "'--fault-rate'"),
        (["--slow-render-factor", "0.5"], "'--slow-render-factor': '0.5' must be a number >= 1"),
        (["--outage", "10,5"], "'--outage': '10,5' must satisfy 0 <= START < END"),
        (["--heygen-concurrency", "4"], "'--heygen-concurrency'"),
        (["--time-scale", "0.01"], "No such option '--time-scale'"),
    ],
)
def test_bad_numbers_are_refused_with_exit_1(
    args: list[str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["campaign", "sandbox", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert exit_.value.code == 1
    assert says in err and "Traceback" not in err
    assert err.count("Error:") == 1


def test_a_damaged_state_file_is_refused_with_the_file_named(tmp_path: object) -> None:
    import subprocess
    import sys
    from pathlib import Path

    saved = Path(str(tmp_path)) / "account.json"
    saved.write_bytes(b"\xff not json")
    run = subprocess.run(
        [sys.executable, "-m", "runner", "sandbox", "--state-file", str(saved)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and "account.json" in run.stderr and "Traceback" not in run.stderr, run.stderr
