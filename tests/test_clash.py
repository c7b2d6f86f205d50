"""The import-name clashes, built for real: HIPS autograd merged into chainrule's
``autograd`` folder (installed after it, or before it), HIPS autograd found
elsewhere first, an ``__init__.py`` removed by uninstalling the other, and a
student's own ``nn.py`` / ``viz.py``.  Each must give one line naming what
happened and the fix, from ``chainrule`` (exit 2), ``import nn``, ``import viz``
and, where chainrule's ``__init__.py`` runs, ``import autograd``.

Each case is a throwaway site folder with copies of chainrule's three packages
(as pip lays them out) and a Python run in a subprocess with only that folder on
its path; the last test installs the real HIPS autograd from PyPI with pip into
a fresh virtualenv, in both orders.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn", "viz")
HIPS_VERSION = "1.9.1"
# what pip writes as the console script (the entry point of pyproject.toml)
SCRIPT = "import sys\nfrom viz.cli import main\nif __name__ == '__main__':\n    sys.exit(main())\n"

# a HIPS autograd layout: its own __init__.py and modules chainrule has none of
HIPS_FILES = {
    "__init__.py": "from .differential_operators import grad, elementwise_grad\n",
    "differential_operators.py": "def grad(fun, argnum=0):\n    return fun\n"
                                 "def elementwise_grad(fun):\n    return fun\n",
    "tracer.py": "", "wrap_util.py": "", "builtins.py": "",
    "numpy/__init__.py": "",
}


def install_chainrule(site: Path) -> None:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, site / name, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))


def install_fake_hips(site: Path) -> None:
    for rel, text in HIPS_FILES.items():
        path = site / "autograd" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run(site: Path | str, cwd: Path, *args: str, script: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(site)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if script:  # the console script, as pip writes it, named chainrule
        exe = cwd.parent / "bin" / "chainrule"
        exe.parent.mkdir(exist_ok=True)
        exe.write_text(SCRIPT)
        argv = [sys.executable, str(exe), *args]
    else:
        argv = [sys.executable, *args]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def assert_command_says(site: Path | str, cwd: Path, *needles: str) -> str:
    result = run(site, cwd, "--version", script=True)
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def assert_import_says(site: Path | str, cwd: Path, module: str, *needles: str) -> str:
    result = run(site, cwd, "-c", f"import {module}")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("_chainrule_origin.ClashError: chainrule cannot start: ") \
        or last.startswith("autograd._origin.ClashError: chainrule cannot start: "), result.stderr
    for needle in needles:
        assert needle in last, last
    return last


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "site-packages"
    folder.mkdir()
    return folder


@pytest.fixture
def here(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_a_clean_install_starts(site, here):
    install_chainrule(site)
    result = run(site, here, "--version", script=True)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == "chainrule 0.1.0"
    for module in PACKAGES:
        assert run(site, here, "-c", f"import {module}").returncode == 0


def test_hips_installed_after_chainrule(site, here):
    """HIPS's __init__.py over chainrule's: `from autograd import Value` would fail."""
    install_chainrule(site)
    install_fake_hips(site)
    needles = ("HIPS autograd", "pip uninstall autograd", "pip install --force-reinstall chainrule",
               "pipx install chainrule", str(site / "autograd"))
    line = assert_command_says(site, here, *needles)
    assert line.startswith("chainrule cannot start: ")
    assert_import_says(site, here, "nn", *needles)
    assert_import_says(site, here, "viz", *needles)


def test_hips_installed_before_chainrule(site, here):
    """chainrule's __init__.py over HIPS's: HIPS code would break, so `import autograd` says it."""
    install_fake_hips(site)
    install_chainrule(site)
    needles = ("HIPS autograd", "pip uninstall autograd", str(site / "autograd"))
    assert_command_says(site, here, *needles)
    for module in PACKAGES:
        assert_import_says(site, here, module, *needles)


def test_init_removed_by_uninstalling_the_other(site, here):
    install_chainrule(site)
    (site / "autograd" / "__init__.py").unlink()
    line = assert_command_says(site, here, "autograd/__init__.py is missing",
                               "pip install --force-reinstall chainrule")
    assert "HIPS" not in line
    assert_import_says(site, here, "nn", "autograd/__init__.py is missing")


def test_hips_autograd_found_first_elsewhere(site, here, tmp_path):
    install_chainrule(site)
    other = tmp_path / "user-site"
    (other / "autograd").mkdir(parents=True)
    (other / "autograd" / "__init__.py").write_text(HIPS_FILES["__init__.py"])
    (other / "autograd" / "differential_operators.py").write_text(HIPS_FILES["differential_operators.py"])
    env_site = f"{other}{os.pathsep}{site}"  # HIPS's folder first on the path
    assert_command_says(env_site, here, f"finds HIPS autograd in {other / 'autograd'}",
                        "not chainrule's", "pip uninstall autograd")
    assert_import_says(env_site, here, "viz", "finds HIPS autograd")


@pytest.mark.parametrize("module", ["nn", "viz", "autograd"])
def test_a_students_own_module_in_the_working_folder(site, here, module):
    """`python -c` and `python -m viz` put the working folder first on the path."""
    install_chainrule(site)
    (here / f"{module}.py").write_text("# my own attempt\n")
    importer = "viz" if module in ("nn", "viz") else "nn"
    if module == "viz":  # python -c "import viz" runs the student's viz.py, which says nothing:
        result = run(site, here, "-c", "import viz; print(viz.__file__)")
        assert result.stdout.strip() == str(here / "viz.py")
        importer = None
    if importer:
        assert_import_says(site, here, importer, f"`import {module}` finds {here / (module + '.py')}",
                           f"rename your {module}.py")
    if module != "viz":
        result = run(site, here, "-m", "viz", "--version")
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [result.stderr.strip()]
        assert f"rename your {module}.py" in result.stderr


def test_the_command_started_elsewhere_is_not_fooled_by_a_students_nn(site, here):
    """The installed command does not put the working folder on the path: it starts."""
    install_chainrule(site)
    (here / "nn.py").write_text("raise SystemExit('the student nn ran')\n")
    result = run(site, here, "--version", script=True)
    assert (result.returncode, result.stdout.strip()) == (0, "chainrule 0.1.0")


# --- the real HIPS autograd, installed with pip into a fresh virtualenv ------------------


def _hips_wheel(tmp_path: Path) -> Path:
    """HIPS autograd's wheel from PyPI (skipped offline; a failure under CHAINRULE_REQUIRE_TOOLS=1)."""
    cache = tmp_path / "wheels"
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                             "-d", str(cache), f"autograd=={HIPS_VERSION}"],
                            capture_output=True, text=True, timeout=120)
    wheels = sorted(cache.glob("autograd-*.whl"))
    if result.returncode != 0 or not wheels:
        message = f"HIPS autograd {HIPS_VERSION} could not be downloaded: {result.stderr.strip()[-200:]}"
        if os.environ.get("CHAINRULE_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return wheels[0]


def _pip_install(python: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", *args], check=True, timeout=120,
                   capture_output=True, text=True)


@pytest.mark.parametrize("order", ["hips-after", "hips-before"])
def test_real_hips_autograd_in_a_virtualenv(tmp_path, order):
    wheel = _hips_wheel(tmp_path)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    if order == "hips-before":
        _pip_install(python, str(wheel))
        install_chainrule(site)
    else:
        install_chainrule(site)
        _pip_install(python, str(wheel))
    assert (site / "autograd" / "differential_operators.py").is_file()
    script = env_dir / "bin" / "chainrule"
    script.write_text(f"#!{python}\n" + SCRIPT)
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run([str(script), "run"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"chainrule cannot start: HIPS autograd {HIPS_VERSION} is installed "
                           f"into the same folder as chainrule's autograd, {site / 'autograd'}")
    assert "pip uninstall autograd" in line
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert line.replace(str(site), "…/site-packages") in readme  # the README shows it as it is
    for module in ("nn", "viz"):
        result = subprocess.run([str(python), "-c", f"import {module}"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        last = result.stderr.strip().splitlines()[-1]
        assert last == "_chainrule_origin.ClashError: " + line, result.stderr
