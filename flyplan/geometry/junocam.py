"""JunoCam's imaging model: the spin-plane swath, pixel scale and angular size.

Juno spins at about 2 rpm about its +Z axis.  JunoCam is a push-frame camera
whose boresight lies in the spin plane; its CCD lines run along the spin axis,
so each turn it sweeps a band of sky about 58 degrees wide centred on the spin
plane.  A target can be imaged when its direction lies inside that band.

- **Swath.** The cross-spin extent is taken from the JunoCam instrument kernel
  (IK ``juno_junocam_v03.ti``, FOV ``INS-61500``) rotated into
  ``JUNO_SPACECRAFT`` by the frame kernel (``juno_v12.tf``) when both are
  loaded; otherwise from :data:`SWATH_DEG`, the same numbers computed once from
  those two kernels: -29.70 to +28.65 degrees from the spin plane (positive
  towards +Z).
- **Pixel scale.** JunoCam's instantaneous field of view is the pixel pitch
  over the focal length (``INS-61500_PIXEL_SIZE`` / ``INS-61500_FOCAL_LENGTH``
  = 0.0074 mm / 10.95637 mm = 0.675 mrad); ``km_per_px = range * IFOV`` and
  ``ang_size_px = angular diameter / IFOV``.
- **Spin axis.** From a C-kernel when one covering the times is loaded
  (``JUNO_SPACECRAFT`` +Z in J2000); otherwise modelled: pointed at Earth (the
  high-gain antenna's direction: the gravity-science attitude), offset by the
  Az/El of the perijove's attitude in ``flyplan/data/juno_attitudes.csv``
  (NAIF's reference-attitude notes) or along the orbit normal (MWR).  See that
  file for the interpretation of Az/El.

Everything below :func:`spin_axis` is pure numpy (km, radians).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from flyplan.constants import EARTH, JUNO, JUPITER, MOON_IDS

__all__ = [
    "JUNOCAM", "FOCAL_LENGTH_MM", "PIXEL_SIZE_MM", "IFOV_RAD", "SWATH_DEG",
    "Camera", "camera", "Attitude", "attitude_for", "attitudes", "spin_axis",
    "offset_axis", "orbit_normal_axis", "spin_plane_angle", "in_swath", "imaging_columns",
    "add_imaging_columns",
]

JUNOCAM = -61500
# juno_junocam_v03.ti: INS-61500_FOCAL_LENGTH, INS-61500_PIXEL_SIZE (mm).
FOCAL_LENGTH_MM = 10.95637
PIXEL_SIZE_MM = 0.0074
IFOV_RAD = PIXEL_SIZE_MM / FOCAL_LENGTH_MM
# Angle from the spin plane (degrees, positive towards Juno's +Z) of the
# INS-61500 FOV boundary corners of juno_junocam_v03.ti, rotated into
# JUNO_SPACECRAFT with juno_v12.tf: the extremes of the swath.
SWATH_DEG = (-29.70, 28.65)
# Mean obliquity of the ecliptic at J2000 (IAU 1976), for ecliptic north in J2000.
_OBLIQUITY_RAD = np.radians(23.439291)
_ECLIPTIC_NORTH = np.array([0.0, -np.sin(_OBLIQUITY_RAD), np.cos(_OBLIQUITY_RAD)])


@dataclass(frozen=True)
class Camera:
    """JunoCam's parameters for the swath model.

    Attributes
    ----------
    ifov_rad : float
        Angular size of one pixel, radians.
    swath_deg : (float, float)
        Lowest and highest angle from the spin plane the CCD sees, degrees.
    source : str
        Where they came from (the loaded IK/FK, or the constants here).
    """

    ifov_rad: float = IFOV_RAD
    swath_deg: tuple = SWATH_DEG
    source: str = ("constants of juno_junocam_v03.ti (IFOV, FOV INS-61500) and juno_v12.tf "
                   "written in flyplan.geometry.junocam")


def camera() -> Camera:
    """JunoCam's IFOV and swath from the loaded IK (and FK), else the built-in constants."""
    import spiceypy

    pitch, focal = _pool_double("INS-61500_PIXEL_SIZE"), _pool_double("INS-61500_FOCAL_LENGTH")
    if pitch is None or focal is None:
        return Camera()
    ifov = pitch / focal
    swath, source = SWATH_DEG, ("loaded IK (INS-61500 pixel size / focal length); swath: "
                                "flyplan's constants (no JUNO_JUNOCAM frame loaded)")
    try:
        _shape, frame, _bsight, _n, bounds = spiceypy.getfov(JUNOCAM, 32)
        rot = spiceypy.pxform(frame, "JUNO_SPACECRAFT", 0.0)
    except spiceypy.utils.exceptions.SpiceyError:
        pass
    else:
        v = np.asarray(bounds) @ np.asarray(rot).T
        el = np.degrees(np.arcsin(v[:, 2] / np.linalg.norm(v, axis=1)))
        swath = (float(el.min()), float(el.max()))
        source = "loaded IK (INS-61500 FOV, pixel size, focal length) and FK (JUNO_JUNOCAM)"
    return Camera(ifov, swath, source)


def _pool_double(name: str) -> float | None:
    import spiceypy

    try:
        return float(spiceypy.gdpool(name, 0, 1)[0])
    except spiceypy.utils.exceptions.SpiceyError:
        return None


# -- attitude ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attitude:
    """How Juno's spin axis is modelled when no C-kernel gives it.

    Attributes
    ----------
    mode : str
        ``"earth"`` (pointed at Earth), ``"earth_offset"`` (offset by
        ``az_deg``/``el_deg`` from Earth-point) or ``"orbit_normal"``.
    az_deg, el_deg : float
        Offsets for ``"earth_offset"`` (see ``flyplan/data/juno_attitudes.csv``).
    label : str
        What NAIF's notes call it.
    use_ck : bool
        Take the attitude from a loaded C-kernel when one covers the times.
    """

    mode: str = "earth"
    az_deg: float = 0.0
    el_deg: float = 0.0
    label: str = "GRAV (Earth-pointed)"
    use_ck: bool = True

    def describe(self) -> str:
        if self.mode == "earth_offset":
            return (f"{self.label}: spin axis offset from Earth-point by Az {self.az_deg:+g}, "
                    f"El {self.el_deg:+g} deg")
        if self.mode == "orbit_normal":
            return f"{self.label}: spin axis along Juno's orbit normal"
        return f"{self.label}: spin axis pointed at Earth"


_MODES = ("earth", "earth_offset", "orbit_normal")


@lru_cache(maxsize=1)
def attitudes() -> dict[int, dict]:
    """The per-perijove attitude table shipped in ``flyplan/data/juno_attitudes.csv``."""
    text = resources.files("flyplan.data").joinpath("juno_attitudes.csv").read_text()
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {int(r["pj"]): r for r in rows}


def attitude_for(pj: int | None) -> tuple[Attitude, str | None]:
    """The modelled attitude of perijove ``pj`` and a note when it is only approximated.

    Perijoves not in the table are gravity-science passes: Earth-pointed.
    """
    row = attitudes().get(pj) if pj is not None else None
    if row is None:
        return Attitude(), None
    if row["mode"] == "unmodelled":
        return Attitude(label=f"GRAV (Earth-pointed) in place of {row['label']}"), (
            f"PJ{pj}'s attitude ({row['label']}, NAIF reference notes) is not modelled: "
            "JunoCam's swath assumes an Earth-pointed spin axis")
    return Attitude(row["mode"], float(row["az_deg"] or 0.0), float(row["el_deg"] or 0.0),
                    row["label"]), None


def offset_axis(earth_dir, az_rad, el_rad):
    """Spin axis offset from the Earth direction by Az/El (see the attitude table).

    Parameters
    ----------
    earth_dir : array_like, shape (n, 3)
        Direction from Juno to Earth (J2000; any length).
    az_rad, el_rad : float
        Offsets, radians: El towards ecliptic north (the component of it
        perpendicular to the Earth direction), Az towards (north x Earth).

    Returns
    -------
    numpy.ndarray, shape (n, 3)
        Unit vectors, J2000.
    """
    z = _unit(np.asarray(earth_dir, float))
    x = _unit(_ECLIPTIC_NORTH - np.sum(z * _ECLIPTIC_NORTH, axis=-1, keepdims=True) * z)
    y = np.cross(x, z)
    return (np.cos(el_rad) * np.cos(az_rad) * z + np.cos(el_rad) * np.sin(az_rad) * y
            + np.sin(el_rad) * x)


def orbit_normal_axis(state, earth_dir):
    """Unit orbit normal ``r x v`` (Jupiter-centred), signed towards Earth; shape (n, 3)."""
    state = np.asarray(state, float)
    h = _unit(np.cross(state[:, :3], state[:, 3:]))
    sign = np.where(np.sum(h * np.asarray(earth_dir, float), axis=-1) < 0, -1.0, 1.0)
    return h * sign[:, None]


def spin_axis(et, attitude: Attitude | None = None, *, observer: int = JUNO, earth=None):
    """Juno's spin axis (+Z) in J2000 at each ET, and where it came from.

    A loaded C-kernel for ``JUNO_SPACECRAFT`` that covers every ET wins (when
    ``attitude.use_ck``); otherwise the attitude model.

    Parameters
    ----------
    earth : callable, optional
        ``earth(et) -> (n, 3)``, Earth seen from the observer (J2000, LT+S),
        when the caller has a cheaper way to it; default a SPICE ``spkpos``.

    Returns
    -------
    (numpy.ndarray, str)
        Unit vectors, shape (n, 3), and a label.
    """
    from spiceypy import cyice
    from spiceypy.utils.exceptions import SpiceyError

    attitude = attitude or Attitude()
    et = np.array(np.atleast_1d(et), dtype=float)  # a writable copy: cyice wants one
    if attitude.use_ck and observer == JUNO:
        try:
            rot = cyice.pxform_v("JUNO_SPACECRAFT", "J2000", et)
        except SpiceyError:  # no CK, SCLK or FK loaded, or not covering every time
            rot = None
        if rot is not None:
            return np.ascontiguousarray(np.asarray(rot)[:, :, 2]), \
                "C-kernel (JUNO_SPACECRAFT +Z)"
    if earth is not None:
        earth = earth(et)
    else:
        earth, _ = cyice.spkpos_v(str(EARTH), et, "J2000", "LT+S", str(observer))
    if attitude.mode == "earth_offset":
        axis = offset_axis(earth, np.radians(attitude.az_deg), np.radians(attitude.el_deg))
    elif attitude.mode == "orbit_normal":
        state, _ = cyice.spkezr_v(str(observer), et, "J2000", "NONE", str(JUPITER))
        axis = orbit_normal_axis(state, earth)
    elif attitude.mode == "earth":
        axis = _unit(earth)
    else:
        raise ValueError(f"unknown attitude mode {attitude.mode!r}; use one of {_MODES}")
    return axis, f"model: {attitude.describe()}"


# -- imaging quantities (pure numpy) ----------------------------------------------------------
def _unit(v):
    from flyplan.numerics.ellipsoid import row_norm

    v = np.asarray(v, float)
    # row_norm: the same sums as np.linalg.norm over the last axis, ~4x faster on (n, 3).
    return v / row_norm(v, keepdims=True)


def spin_plane_angle(direction, axis):
    """Signed angle of a direction from the spin plane, radians (positive towards +axis)."""
    s = np.sum(_unit(direction) * _unit(axis), axis=-1)
    return np.arcsin(np.clip(s, -1.0, 1.0))


def in_swath(angle_rad, swath_deg=SWATH_DEG):
    """Whether an angle from the spin plane lies inside JunoCam's swath."""
    lo, hi = np.radians(swath_deg[0]), np.radians(swath_deg[1])
    return (np.asarray(angle_rad) >= lo) & (np.asarray(angle_rad) <= hi)


def _earth_from_juno(juno: dict):
    """``earth(et)`` for :func:`spin_axis`: Earth from Juno (LT+S) out of the row's pieces.

    Earth as seen from Juno with light time, plus Juno's position relative to
    Jupiter, is the smooth Earth-minus-Jupiter motion: exact at nodes every
    300 s at most and interpolated between them (0.1 km of 6e8 km), then
    Juno's exact position taken off again and SPICE's stellar aberration
    applied with Juno's barycentric velocity.  Within 1e-9 rad of ``spkpos``
    "LT+S" (tests/test_junocam.py).
    """
    from spiceypy import cyice

    from flyplan.geometry.samples import _at_nodes, jupiter_ssb_velocity, stellar_aberration

    state = juno["state_j2000"]

    def smooth(t):
        t = np.ascontiguousarray(t)
        lt_pos = cyice.spkezp_v(EARTH, t, "J2000", "LT", JUNO)[0]
        return lt_pos + cyice.spkezp_v(JUNO, t, "J2000", "NONE", JUPITER)[0]

    def earth(et):
        v_jup = juno.get("jupiter_ssb_vel")
        if v_jup is None:
            v_jup = juno["jupiter_ssb_vel"] = jupiter_ssb_velocity(juno["et"])
        lt_pos = _at_nodes(et, smooth) - state[:, :3]
        return stellar_aberration(lt_pos, state[:, 3:] + v_jup)

    return earth


def imaging_columns(et, moons, *, attitude: Attitude | None = None, observer: int = JUNO,
                    cam: Camera | None = None, geometry: dict | None = None):
    """Per-moon JunoCam columns at each ET, and the spin-axis label.

    Parameters
    ----------
    et : array_like, shape (n,)
        TDB seconds past J2000.
    moons : iterable of int
        NAIF ids (501-504); their ephemeris must be loaded.
    attitude : Attitude, optional
        Model used when no C-kernel gives the attitude (default Earth-pointed).
    geometry : dict, optional
        The arrays :func:`flyplan.geometry.samples.sample_table` kept for the
        same ``et`` (its ``keep``): the moons' light-time positions are then
        reused, with stellar aberration added here (SPICE's ``stelab``),
        instead of five further "LT+S" SPICE reads from Juno.

    Returns
    -------
    (dict of numpy.ndarray, str)
        ``<moon>_in_swath`` (bool: the moon's centre within the swath),
        ``<moon>_spin_plane_angle_deg``, ``<moon>_km_per_px`` (range x IFOV)
        and ``<moon>_ang_size_px`` (angular diameter / IFOV); the moons as seen
        from Juno with light time and stellar aberration.
    """
    from spiceypy import cyice

    from flyplan.geometry.samples import moon_radius
    from flyplan.numerics.ellipsoid import row_norm

    from flyplan.geometry.samples import stellar_aberration

    cam = cam or camera()
    et = np.array(np.atleast_1d(et), dtype=float)  # a writable copy: cyice wants one
    juno = (geometry or {}).get("juno")
    fast = (juno is not None and observer == JUNO and len(juno["et"]) == len(et)
            and all(m in geometry for m in moons))
    axis, label = spin_axis(et, attitude, observer=observer,
                            earth=_earth_from_juno(juno) if fast else None)
    if fast:
        from flyplan.geometry.samples import jupiter_ssb_velocity

        v_jup = juno.get("jupiter_ssb_vel")
        if v_jup is None:
            v_jup = juno["jupiter_ssb_vel"] = jupiter_ssb_velocity(juno["et"])
        v_obs = juno["state_j2000"][:, 3:] + v_jup
    cols = {}
    for moon in moons:
        name = MOON_IDS[moon].lower()
        if fast:
            app = stellar_aberration(geometry[moon]["pos_from_juno"], v_obs)
        else:
            app, _ = cyice.spkpos_v(str(moon), et, "J2000", "LT+S", str(observer))
        rng = row_norm(app)
        angle = spin_plane_angle(app, axis)
        ang_diam = 2.0 * np.arcsin(np.minimum(moon_radius(moon) / rng, 1.0))
        cols[f"{name}_in_swath"] = in_swath(angle, cam.swath_deg)
        cols[f"{name}_spin_plane_angle_deg"] = np.degrees(angle)
        cols[f"{name}_km_per_px"] = rng * cam.ifov_rad
        cols[f"{name}_ang_size_px"] = ang_diam / cam.ifov_rad
    return cols, label


def add_imaging_columns(samples, moons, *, attitude: Attitude | None = None,
                        observer: int = JUNO, geometry: dict | None = None) -> str:
    """Add the JunoCam columns to a sample table in place; return the spin-axis label.

    ``geometry``: what :func:`flyplan.geometry.samples.sample_table` kept for
    this table (its ``keep``), reused as in :func:`imaging_columns`.
    """
    if len(samples) == 0 or not moons:
        return ""
    cols, label = imaging_columns(samples["et"].to_numpy(float), moons, attitude=attitude,
                                  observer=observer, geometry=geometry)
    for k, v in cols.items():
        samples[k] = v
    return label
