"""Small text kernels flyplan writes itself from published constants.

With no NAIF leapseconds kernel or PCK at hand (a fresh machine, offline),
flyplan writes these two into its cache and loads them like any kernel:

- a leapseconds kernel holding the leap-second table and TDB-TT constants of
  NAIF's ``naif0012.tls`` (valid until the next leap second is announced);
- a constants kernel holding Jupiter's 1-bar radii, IAU rotation model (pole,
  prime meridian, nutation-precession angles), the Galilean moons' and the
  Sun's radii and rotation models from ``pck00011.tpc``, and GMs from
  ``gm_de431.tpc``.

The numbers are facts copied from those NAIF files, which are named in each
kernel's comments.  When NAIF's own kernels are available flyplan uses them
instead.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flyplan.kernels.files import write_text_once

__all__ = ["leapseconds_kernel", "constants_kernel", "planetary_spk",
           "jupiter_at_barycentre_spk"]

_LSK = r"""KPL/LSK

flyplan built-in leapseconds kernel.

Source: NAIF generic kernel naif0012.tls (leap seconds through 2017-JAN-1).
Replace with NAIF's newest LSK if a leap second is announced after 2017.

\begindata

{deltet}
\begintext
"""

_PCK = r"""KPL/PCK

flyplan built-in constants for the Jupiter system.

Sources: NAIF generic kernels pck00011.tpc (radii; IAU 2015 rotation models of
Jupiter with its nutation-precession angles, of the Galilean moons and of the
Sun, which body-fixed frames such as IAU_IO need for occultation searches) and
gm_de431.tpc (GMs).

\begindata

BODY599_RADII          = ( 71492   71492   66854 )
BODY599_POLE_RA        = ( 268.056595     -0.006499       0. )
BODY599_POLE_DEC       = (  64.495303      0.002413       0. )
BODY599_PM             = ( 284.95        870.5360000      0. )
BODY599_LONG_AXIS      = ( 0. )
BODY599_NUT_PREC_RA    = ( 0. 0. 0. 0. 0. 0. 0. 0. 0. 0.
                           0.000117  0.000938  0.001432  0.000030  0.002150 )
BODY599_NUT_PREC_DEC   = ( 0. 0. 0. 0. 0. 0. 0. 0. 0. 0.
                           0.000050  0.000404  0.000617 -0.000013  0.000926 )
BODY599_NUT_PREC_PM    = ( 0. 0. 0. 0. 0. 0. 0. 0. 0. 0.
                           0.0  0.0  0.0  0.0  0.0 )
BODY5_NUT_PREC_ANGLES  = (  73.32      91472.9
                            24.62      45137.2
                           283.90       4850.7
                           355.80       1191.3
                           119.90        262.1
                           229.80         64.3
                           352.25       2382.6
                           113.35       6070.0
                           146.64     182945.8
                            49.24      90274.4
                            99.360714   4850.4046
                           175.895369   1191.9605
                           300.323162    262.5475
                           114.012305   6070.2476
                            49.511251     64.3000  )

BODY501_RADII          = ( 1829.4   1819.4   1815.7 )
BODY502_RADII          = ( 1562.6   1560.3   1559.5 )
BODY503_RADII          = ( 2631.2   2631.2   2631.2 )
BODY504_RADII          = ( 2410.3   2410.3   2410.3 )
BODY10_RADII           = ( 695700.  695700.  695700. )

BODY501_POLE_RA        = (  268.05     -0.009       0. )
BODY501_POLE_DEC       = (   64.50      0.003       0. )
BODY501_PM             = (  200.39    203.4889538   0. )
BODY501_NUT_PREC_RA    = (    0.   0.     0.094    0.024   )
BODY501_NUT_PREC_DEC   = (    0.   0.     0.040    0.011   )
BODY501_NUT_PREC_PM    = (    0.   0.    -0.085   -0.022   )
BODY502_POLE_RA        = (  268.08     -0.009       0. )
BODY502_POLE_DEC       = (   64.51      0.003       0. )
BODY502_PM             = (   36.022   101.3747235   0. )
BODY502_NUT_PREC_RA    = ( 0. 0. 0.   1.086   0.060   0.015   0.009 )
BODY502_NUT_PREC_DEC   = ( 0. 0. 0.   0.468   0.026   0.007   0.002 )
BODY502_NUT_PREC_PM    = ( 0. 0. 0.  -0.980  -0.054  -0.014  -0.008 )
BODY503_POLE_RA        = (  268.20     -0.009       0. )
BODY503_POLE_DEC       = (   64.57      0.003       0. )
BODY503_PM             = (   44.064    50.3176081   0. )
BODY503_NUT_PREC_RA    = ( 0. 0. 0.  -0.037   0.431   0.091   )
BODY503_NUT_PREC_DEC   = ( 0. 0. 0.  -0.016   0.186   0.039   )
BODY503_NUT_PREC_PM    = ( 0. 0. 0.   0.033  -0.389  -0.082   )
BODY504_POLE_RA        = (  268.72     -0.009       0. )
BODY504_POLE_DEC       = (   64.83      0.003       0. )
BODY504_PM             = (  259.51     21.5710715   0. )
BODY504_NUT_PREC_RA    = ( 0. 0. 0. 0.  -0.068   0.590  0.   0.010 )
BODY504_NUT_PREC_DEC   = ( 0. 0. 0. 0.  -0.029   0.254  0.  -0.004 )
BODY504_NUT_PREC_PM    = ( 0. 0. 0. 0.   0.061  -0.533  0.  -0.009 )
BODY10_POLE_RA         = (  286.13      0.          0. )
BODY10_POLE_DEC        = (   63.87      0.          0. )
BODY10_PM              = (   84.176    14.18440     0. )

BODY5_GM               = ( 1.2671276480000021E+08 )
BODY10_GM              = ( 1.3271244004193938E+11 )
BODY599_GM             = ( 1.266865349218008E+08 )
BODY501_GM             = ( 5.959916033410404E+03 )
BODY502_GM             = ( 3.202738774922892E+03 )
BODY503_GM             = ( 9.887834453334144E+03 )
BODY504_GM             = ( 7.179289361397270E+03 )

\begintext
"""


def _write_once(name: str, text: str) -> Path:
    from flyplan.errors import KernelError
    from flyplan.ephemeris import manifest
    from flyplan.paths import built_dir

    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    stem, ext = os.path.splitext(name)
    path = built_dir() / f"{stem}_{digest}{ext}"
    try:
        if write_text_once(path, text, encoding="ascii"):
            manifest.record(path, "flyplan.kernels.builtin")
    except OSError as exc:
        raise KernelError(f"cannot write flyplan's built-in kernel {path.name} into the cache: "
                          f"{exc.strerror or exc}", kernel=str(path),
                          hint="set FLYPLAN_CACHE to a writable directory (or give NAIF's "
                               "kernels with --kernels)") from None
    return path


def _d(x: float) -> str:
    """A number as NAIF writes it in text kernels (``1.657D-3``, ``6.239996D0``)."""
    mantissa, exp = f"{x:.12e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}D{int(exp)}"


def _deltet_text() -> str:
    """The DELTET assignments of :data:`flyplan.constants.LEAP_SECONDS` and ``DELTET``,
    laid out as in naif0012.tls."""
    import datetime as dt

    from flyplan.constants import DELTET, LEAP_SECONDS

    steps = []
    for n, day in LEAP_SECONDS:
        d = dt.date.fromisoformat(day)
        steps.append(f"{n}, @{d.year}-{d.strftime('%b').upper()}-{d.day}")
    rows = ["  ".join(steps[i:i + 3]) for i in range(0, len(steps), 3)]
    return "\n".join([
        f"DELTET/DELTA_T_A       =   {DELTET['DELTA_T_A']}",
        f"DELTET/K               =    {_d(DELTET['K'])}",
        f"DELTET/EB              =    {_d(DELTET['EB'])}",
        f"DELTET/M               = (  {_d(DELTET['M'][0])}   {_d(DELTET['M'][1])} )",
        "DELTET/DELTA_AT        = ( " + "\n                           ".join(rows) + " )",
    ]) + "\n\n"


def leapseconds_kernel() -> Path:
    """Path of flyplan's built-in leapseconds kernel (written on first use)."""
    return _write_once("flyplan_leapseconds.tls", _LSK.replace("{deltet}\n", _deltet_text()))


def constants_kernel() -> Path:
    """Path of flyplan's built-in Jupiter-system constants kernel (written on first use)."""
    return _write_once("flyplan_jupiter.tpc", _PCK)


def planetary_spk() -> Path | None:
    """JPL's DE421 as shipped in the ``skyfield-data`` wheel (1899-2053), if installed.

    It gives the Sun and Earth relative to Jupiter's barycentre with no download.
    """
    import skyfield_data

    path = Path(skyfield_data.__file__).parent / "data" / "de421.bsp"
    return path if path.is_file() else None


def jupiter_at_barycentre_spk() -> Path:
    """An SPK placing Jupiter's centre (599) at the system barycentre (5), 1900-2100.

    A fallback for when no satellite ephemeris gives Jupiter's offset from the
    barycentre (under 200 km, from the Galilean moons' pull): it lets SPICE
    chain a Jupiter-centred trajectory to the Sun and Earth.  Load it first so
    that any real source takes precedence.
    """
    import numpy as np

    from flyplan.ephemeris.spkwrite import Segment, write_spk13
    from flyplan.paths import built_dir

    from flyplan.errors import KernelError
    from flyplan.ephemeris import manifest

    path = built_dir() / "flyplan_jupiter_at_barycentre_v1.bsp"
    if manifest.verified(path):
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        et = np.array([-3.2e9, 3.2e9])  # about 1899 .. 2101, TDB s past J2000
        write_spk13(path, [Segment(599, 5, "J2000", et, np.zeros((2, 6)), degree=1,
                                   segid="flyplan 599 at barycentre")],
                    comment="flyplan fallback: Jupiter's centre (599) at the Jupiter "
                            "barycentre (5), zero offset; true offset < 200 km.")
        manifest.record(path, "flyplan.kernels.builtin")
    except OSError as exc:
        raise KernelError(f"cannot write flyplan's built-in kernel {path.name} into the cache: "
                          f"{exc.strerror or exc}", kernel=str(path),
                          hint="set FLYPLAN_CACHE to a writable directory") from None
    return path
