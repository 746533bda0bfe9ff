# Shared by scripts/main and scripts/test: make (once) the project's virtual
# environment in .venv and install flyplan into it, editable, with the given
# extras.  A second call reinstalls only when pyproject.toml has changed.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FLYPLAN_VENV:-$REPO/.venv}"
EXTRAS="${1:-}"

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: flyplan needs Python 3.11 or newer ($PYTHON is $("$PYTHON" -V 2>&1))" >&2
    echo "  to fix:  install Python 3.11+, or set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "setting up flyplan in $VENV (once) ..." >&2
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.flyplan-installed"
want="$(cd "$REPO" && { cat pyproject.toml; echo "extras=$EXTRAS"; } | sha256sum | cut -c1-16)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ] && ! grep -qx "$want" "$stamp" 2>/dev/null; then
    spec="$REPO"
    [ -n "$EXTRAS" ] && spec="$REPO[$EXTRAS]"
    echo "installing flyplan${EXTRAS:+[$EXTRAS]} into $VENV ..." >&2
    "$VENV/bin/python" -m pip install -qq --disable-pip-version-check -e "$spec" >&2
    # Several extras may be installed over time: remember each set.
    { grep -v "^$want\$" "$stamp" 2>/dev/null || true; echo "$want"; } > "$stamp.tmp"
    mv "$stamp.tmp" "$stamp"
fi
