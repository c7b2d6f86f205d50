"""The package as users install it: an SPDX licence with its text, a build backend
that supports it, optional tqdm, graphviz-pure only where it has wheels, the
PyTorch pin in an extra, py.typed, and (with CHAINRULE_DIST, which .ci/run sets
to the folder it built into) the wheel and sdist themselves: the LICENSE, the
py.typed files and the bundled examples in the wheel, the tests in the sdist."""

from __future__ import annotations

import os
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
META = PROJECT["project"]
DIST_ENV = "CHAINRULE_DIST"


def requirements(names: list[str]) -> dict[str, Requirement]:
    return {Requirement(r).name: Requirement(r) for r in names}


def test_the_licence_is_an_spdx_expression_with_its_text():
    assert META["license"] == "MIT"
    assert META["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the chainrule authors\n")
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text
    # PEP 639: no licence classifier beside an SPDX expression
    assert not [c for c in META["classifiers"] if c.startswith("License ::")]


def test_the_backend_supports_pep_639():
    (req,) = PROJECT["build-system"]["requires"]
    req = Requirement(req)
    assert req.name == "setuptools" and "76.9" not in req.specifier and "77.0.0" in req.specifier


def test_classifiers_keywords_and_no_made_up_urls():
    assert "Typing :: Typed" in META["classifiers"]
    assert "Programming Language :: Python :: 3.11" in META["classifiers"]
    assert "backpropagation" in META["keywords"]
    assert "urls" not in META  # the project has no public home yet


def test_tqdm_is_optional():
    assert "tqdm" not in requirements(META["dependencies"])
    assert "tqdm" in requirements(META["optional-dependencies"]["progress"])


@pytest.mark.parametrize("platform, machine, wheel", [
    ("linux", "x86_64", True), ("linux", "aarch64", True), ("darwin", "arm64", True),
    ("darwin", "x86_64", True), ("win32", "AMD64", True), ("win32", "ARM64", True),
    ("linux", "ppc64le", False), ("linux", "armv7l", False), ("linux", "s390x", False),
    ("linux", "i686", False), ("win32", "x86", False), ("freebsd14", "amd64", False),
])
def test_graphviz_pure_only_where_it_has_wheels(platform, machine, wheel):
    """graphviz-pure 0.2.2's wheels: Linux, macOS and Windows on x86-64 and 64-bit ARM."""
    req = requirements(META["dependencies"])["graphviz-pure"]
    assert req.marker is not None
    assert req.marker.evaluate({"sys_platform": platform, "platform_machine": machine}) is wheel
    assert "0.3" not in req.specifier and "0.2.2" in req.specifier  # a young 0.x: bounded


def test_graphviz_is_bounded_too():
    req = requirements(META["dependencies"])["graphviz"]
    assert "1.0" not in req.specifier and "0.21" in req.specifier


def test_torch_is_an_extra_not_a_dependency():
    assert "torch" not in requirements(META["dependencies"])
    (req,) = META["optional-dependencies"]["torch"]
    assert str(Requirement(req).specifier) == "==2.13.0"


def test_each_package_is_typed():
    for package in ("autograd", "nn", "viz"):
        assert (ROOT / package / "py.typed").is_file()
    assert "py.typed" in PROJECT["tool"]["setuptools"]["package-data"]["*"]


def test_the_marker_grammar_is_pips():
    """The marker is one that pip reads (packaging's parser, which pip vendors)."""
    req = requirements(META["dependencies"])["graphviz-pure"]
    assert Marker(str(req.marker)) == req.marker


# --- the built distributions ---------------------------------------------------------------


@pytest.fixture(scope="module")
def dist() -> Path:
    folder = os.environ.get(DIST_ENV)
    if not folder:
        message = f"{DIST_ENV} names no folder of built distributions (.ci/run sets it)"
        if os.environ.get("CHAINRULE_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return Path(folder)


def one(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def test_the_wheel_holds_the_licence_the_types_and_the_examples(dist):
    names = set(zipfile.ZipFile(one(dist, "chainrule-*.whl")).namelist())
    version = one(dist, "chainrule-*.whl").name.split("-")[1]
    assert f"chainrule-{version}.dist-info/licenses/LICENSE" in names
    assert {"autograd/py.typed", "nn/py.typed", "viz/py.typed"} <= names
    bundled = {p.name for p in (ROOT / "viz" / "worked" / "examples").glob("*.toml")}
    assert {n.rsplit("/", 1)[1] for n in names if n.startswith("viz/worked/examples/")} == bundled
    shipped = {str(p.relative_to(ROOT)).replace(os.sep, "/") for package in ("autograd", "nn", "viz")
               for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts}
    assert shipped <= names  # every module, subpackages included
    assert not [n for n in names if n.startswith("tests/")]


def test_the_wheel_metadata(dist):
    wheel = zipfile.ZipFile(one(dist, "chainrule-*.whl"))
    (meta,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    text = wheel.read(meta).decode()
    assert "License-Expression: MIT\n" in text and "License-File: LICENSE\n" in text
    requires = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Requires-Dist: ")]
    assert [r for r in requires if r.startswith("tqdm")] == ['tqdm>=4.60; extra == "progress"',
                                                              'tqdm>=4.60; extra == "test"']


def test_the_sdist_holds_what_the_tests_need(dist):
    sdist = one(dist, "chainrule-*.tar.gz")
    top = sdist.name.removesuffix(".tar.gz")
    names = {n.removeprefix(top + "/") for n in tarfile.open(sdist).getnames()}
    needed = {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "tests/conftest.py",
              "tests/strategies.py", "tests/js/package.json", "tests/js/package-lock.json",
              "tests/js/katex_check.js", "examples/tutorial.ipynb"}
    needed |= {str(p.relative_to(ROOT)).replace(os.sep, "/") for folder in ("tests/support", "tests/benchmarks")
               for p in (ROOT / folder).glob("*") if p.is_file()}
    needed |= {f"tests/{p.name}" for p in (ROOT / "tests").glob("test_*.py")}
    assert needed <= names, sorted(needed - names)
    assert not [n for n in names if "node_modules" in n or "__pycache__" in n or n.endswith(".pyc")]


# --- pytest's summary line ------------------------------------------------------------------


def documented_pytest_runs() -> list[list[str]]:
    """Each `python -m pytest …` the README shows: its options (paths left out)."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runs = []
    for options in re.findall(r"python3? -m pytest([^\n`]*)", readme):
        runs.append([o for o in options.split() if o.startswith("-")])
    return runs


def test_the_readme_documents_pytest_runs():
    assert [] in documented_pytest_runs()  # the two commands' own: `python -m pytest`


@pytest.mark.parametrize("options", documented_pytest_runs(), ids=" ".join)
def test_every_documented_pytest_run_prints_its_summary_line(options):
    """`addopts = "-q"` with a `-q` of one's own prints no "N passed" line: keep it."""
    import re
    import subprocess
    import sys

    assert "-q" not in PROJECT["tool"]["pytest"]["ini_options"]["addopts"].split()
    result = subprocess.run([sys.executable, "-m", "pytest", *options, "-p", "no:cacheprovider",
                             "tests/test_layout.py"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stdout[-2000:]
    assert re.search(r"^=+ \d+ passed in [\d.]+s", result.stdout.strip().splitlines()[-1]), result.stdout
