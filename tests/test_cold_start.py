"""First use: the built-in moon SPK's records computed in a thread while the Juno
model's SPK is built, the file the same bytes as the one-thread build."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from flyplan.ephemeris import manifest, moons_spk


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_started_build_writes_the_same_bytes_and_uses_no_spice_in_its_thread(tmp_path,
                                                                            monkeypatch):
    import spiceypy

    monkeypatch.setenv("FLYPLAN_CACHE", str(tmp_path / "cache"))
    main = threading.get_ident()
    calls = []
    real = spiceypy.spkopn

    def spkopn(*a, **kw):  # SPICE is not thread-safe: only the caller's thread writes
        calls.append(threading.get_ident())
        return real(*a, **kw)

    monkeypatch.setattr(spiceypy, "spkopn", spkopn)  # spkwrite imports spiceypy when writing
    said = []
    pj38 = 691467278.8  # ET of PJ38 (2021-11-29): the 2021 file only
    finish = moons_spk.start_galilean_spk(pj38 - 86400.0, pj38 + 86400.0, progress=said.append)
    [path] = finish()
    assert calls == [main]
    assert manifest.verified(path)
    assert said[0].startswith("building flyplan's built-in Galilean-moon ephemeris")
    assert said[-1].startswith("built-in moon ephemeris ready")
    assert sum("building flyplan's built-in" in m for m in said) == 1
    # The bytes of the one-thread build, as the golden PJ38 digest names them.
    golden = json.loads((Path(__file__).parent / "golden" / "pj38.json").read_text())
    assert [path.name, _sha(path)] in golden["kernels"]
    # Cached now: nothing is started, the same path comes back.
    again = []
    assert moons_spk.start_galilean_spk(pj38 - 86400.0, pj38 + 86400.0,
                                        progress=again.append)() == [path] and again == []
