"""`campaign approve` refuses a job with a mandatory policy finding and signs the clean ones."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from runner.cli import cli

SPEC = """\
version: 1
campaign: claims
policy: {packs: [claims]}
approval: {required: true}
avatars:
  a: {id: "7295705233773068290"}
scripts:
  cure: {text: "Our serum cures acne in three days, guaranteed."}
  ok: {text: "Our serum feels light on the skin."}
videos:
  - id: promo
    avatars: [a]
    scripts: [cure, ok]
"""


def test_a_job_with_a_mandatory_finding_cannot_be_approved(tmp_path: Path) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(SPEC)
    runner = CliRunner()
    refused = runner.invoke(cli, ["approve", str(spec), "--as", "dana"])
    assert refused.exit_code == 1
    assert "videos.promo[avatar=a,script=cure] has a mandatory policy finding: [claims/cure]" in str(refused.exception)
    assert not (tmp_path / "c.approvals.yaml").exists()  # nothing partly done
    signed = runner.invoke(cli, ["approve", str(spec), "--as", "dana", "--target", "promo[script=ok]"])
    assert signed.exit_code == 0 and "Approved 1 job as dana" in signed.output
    assert "script=ok" in (tmp_path / "c.approvals.yaml").read_text()
