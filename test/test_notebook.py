"""docs/examples/fleet.ipynb runs top to bottom, in a kernel of this very interpreter.

The kernel is found through a kernelspec written into a temporary folder on ``JUPYTER_PATH``
(searched first), so a ``python3`` kernel installed elsewhere on the machine is never used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "examples" / "fleet.ipynb"


@pytest.fixture
def this_interpreter(tmp_path, monkeypatch):
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (this interpreter)",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    return tmp_path


def outputs(cell) -> tuple[str, str]:
    """A code cell's plain text (streams and text/plain) and HTML."""
    text, html = [], []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            text.append(output["text"])
        data = output.get("data", {})
        text.append(data.get("text/plain", ""))
        html.append(data.get("text/html", ""))
    return "".join(text), "".join(html)


def test_the_fleet_notebook_runs_and_shows_colour_coded_tables(this_interpreter):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(this_interpreter)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert outputs(code[-1])[0].strip() == sys.executable
    htmls = [outputs(cell)[1] for cell in code]
    status, report, after = (html for html in htmls if html)
    assert "snapshot status: 1 protected, 1 stale, 3 missing" in status
    assert status.count("background:") == 5  # a coloured badge per VM
    assert "create snapshots: 4 succeeded, 1 skipped" in report
    assert "snapshot status: 5 protected" in after
    assert "(True, " not in outputs(code[2])[0]  # status.ok was False before the job
    assert "VERDICT" in outputs(code[-3])[0]  # the text table
