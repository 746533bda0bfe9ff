"""The user guide (docs/, MkDocs): its Python examples run, and it builds with warnings as errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _pages_with_code():
    return sorted(p.name for p in DOCS.glob("*.md") if _BLOCK.search(p.read_text()))


def test_the_guide_has_examples():
    assert {"python-api.md", "scenarios.md"} <= set(_pages_with_code())


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages_with_code())
def test_guide_examples_run(page, monkeypatch, tmp_path):
    """Each page's ```python blocks run in order in one namespace, from the repository
    root, offline (the built-in data serve), as a reader would paste them."""
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("FLYPLAN_KERNELS", raising=False)
    namespace: dict = {"__name__": f"docs.{page}"}
    for i, block in enumerate(_BLOCK.findall((DOCS / page).read_text())):
        code = compile(block, f"{page} block {i + 1}", "exec")
        exec(code, namespace)  # noqa: S102 - the guide's own examples


def test_docs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "-f", str(REPO / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "python-api" / "index.html").is_file()
