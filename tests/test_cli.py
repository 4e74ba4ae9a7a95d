import subprocess
import sys

from autograder.cli import build_parser, main


def test_help_documents_every_step():
    text = build_parser().format_help()
    for step in ("release", "demo"):
        assert step in text
    result = subprocess.run([sys.executable, "-m", "autograder.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "release" in result.stdout


def test_demo_runs_and_writes_figures(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "histogram val NLL" in out
    assert len(list(tmp_path.glob("*.png"))) >= 8


def test_release_with_no_assignment_says_so(tmp_path, monkeypatch, capsys):
    (tmp_path / "nbgrader_config.py").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DGM_COURSE_ROOT", raising=False)
    assert main(["release"]) == 0
    assert "nothing to release" in capsys.readouterr().out
