"""Jupyter notebooks executed in a test (nbclient, nbformat, and an ipykernel of this very Python).

The kernel is this interpreter (``sys.executable -m ipykernel_launcher``)
under a kernel spec written to a temporary folder, so the notebook imports the
same chainrule as the tests, whatever kernels the machine has; its IPython
profile, connection file and sockets (IPC, no TCP port) live in that folder too. The kernel is shut down
when the run ends, whether the cells passed or not.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from .availability import require

REASON = "a notebook is executed in a Jupyter kernel"
TIMEOUT = 120
KERNEL = "chainrule-tests"


def make_notebook(*cells: str):
    """A version-4 notebook with one code cell per source string."""
    require("jupyter", REASON)
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL, "language": "python"}
    return notebook


def run_notebook(path_or_nb, timeout: int = TIMEOUT, cwd: Path | None = None):
    """Execute every cell (a path, or a NotebookNode) and return the executed notebook.

    A cell that raises fails the call (nbclient's CellExecutionError names the
    cell and the traceback); ``timeout`` bounds each cell in seconds. The
    kernel runs in ``cwd``, by default the notebook file's folder.
    """
    require("jupyter", REASON)
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    if isinstance(path_or_nb, (str, Path)):
        notebook = nbformat.read(str(path_or_nb), as_version=4)
        cwd = cwd or Path(path_or_nb).resolve().parent
    else:
        notebook = nbformat.from_dict(path_or_nb)
    with tempfile.TemporaryDirectory(prefix="chainrule-kernel-") as home:
        kernels = Path(home) / "kernels"
        (kernels / KERNEL).mkdir(parents=True)
        (kernels / KERNEL / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": KERNEL, "language": "python",
            "env": {"IPYTHONDIR": str(Path(home) / "ipython"), "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        }))
        manager = AsyncKernelManager(kernel_name=KERNEL,
                                     kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]),
                                     connection_file=str(Path(home) / "connection.json"),
                                     transport="ipc", ip=str(Path(home) / "kernel"))  # sockets in the folder
        client = NotebookClient(notebook, km=manager, kernel_name=KERNEL, timeout=timeout,
                                startup_timeout=60, resources={"metadata": {"path": str(cwd or home)}})
        client.execute(cleanup_kc=True)  # then the kernel is shut down and its sockets closed
    return notebook


def rich_outputs(cell) -> list[dict]:
    """The mime bundles (``{"text/html": ..., "text/plain": ...}``) a code cell displayed, in order."""
    return [dict(output["data"]) for output in cell.get("outputs", [])
            if output.get("output_type") in ("display_data", "execute_result")]
