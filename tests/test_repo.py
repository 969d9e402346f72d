"""The repository's own rules: install files agree, notebooks carry no outputs, ruff is clean."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_environment_uses_conda_forge_only():
    env = _environment()
    assert env["channels"] == ["conda-forge"], "environment.yml must use conda-forge only (no pytorch channel)"


def test_environment_python_satisfies_pyproject():
    deps = _environment()["dependencies"]
    pythons = [d for d in deps if isinstance(d, str) and re.match(r"python\s*=", d)]
    assert len(pythons) == 1, "environment.yml must pin python exactly once"
    version = pythons[0].split("=", 1)[1].strip()
    assert version == "3.11", "the course targets python 3.11"
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert version in requires, f"environment.yml python {version} is outside requires-python {requires}"


def test_environment_pip_section_installs_the_project_with_dev_extra():
    deps = _environment()["dependencies"]
    assert "pip" in deps
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["-e .[dev]"]], "the pip section must install this project: `-e .[dev]`, nothing else"
    assert "dev" in _pyproject()["project"]["optional-dependencies"]


def test_torch_is_never_pinned_above_2_14_1():
    from packaging.requirements import Requirement
    from packaging.version import Version

    for dep in _pyproject()["project"]["dependencies"]:
        req = Requirement(dep)
        if req.name == "torch":
            assert not req.specifier.contains(Version("2.15.0")), "torch must be capped at 2.14.1"
            assert req.specifier.contains(Version("2.14.1"))


def _notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path):
    nb = json.loads(path.read_text())
    dirty = [
        i for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them (jupyter nbconvert --clear-output)"


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make course" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_modules_conftest_keeps_in_one_worker_exist():
    from conftest import WHOLE_MODULES

    tests = Path(__file__).resolve().parent
    assert [name for name in WHOLE_MODULES if not (tests / name).is_file()] == []
