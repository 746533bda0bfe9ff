"""flyplan --help leaves out the parts of rich that help never uses, and they still work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_help_imports_no_markdown_or_syntax_highlighter():
    code = ("import sys\nfrom flyplan.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('markdown_it', 'pygments', 'rich.syntax') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout and "perijove" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_the_stand_ins_import_the_real_modules_when_used():
    code = ("import flyplan.cli, io\nimport rich.markdown, rich.traceback\n"
            "from rich.console import Console\nfrom rich.markdown import Heading\n"
            "c = Console(file=io.StringIO(), width=40)\n"
            "c.print(rich.markdown.Markdown('# Title\\n*x*'))\n"
            "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
            "    c.print(rich.traceback.Traceback.from_exception(type(e), e, e.__traceback__))\n"
            "print(type(rich.markdown.Markdown('y')).__module__, Heading.__name__, "
            "'ZeroDivisionError' in c.file.getvalue(), 'Title' in c.file.getvalue())")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["rich.markdown", "Heading", "True", "True"]
