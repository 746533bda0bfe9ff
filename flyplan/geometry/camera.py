"""JunoCam's camera model from its instrument kernel: pixel <-> ray, framelet timing.

Everything here is the recipe of NAIF's JunoCam IK (``juno_junocam_v03.ti``,
sections "Optical Distortion" and "Timing"), written with numpy so that it
runs over whole framelets at once:

- **Pixels.** Framelet coordinates ``(x, y)`` have (0, 0) at the upper left
  of a 1648 x 128 framelet; ``x`` runs along the CCD line (JUNO_JUNOCAM +X),
  ``y`` across it (+Y).  A pixel's centre is at integer-plus-half coordinates
  in the IK's FOV corners (23.5, 0.5) ...; the IK's boresight is the point
  (827.0, 64.0).
- **Distortion.** ``cam = (x - cx, y - cy)`` is distorted radially by
  ``1 + k1 r^2 + k2 r^4``; the ray is ``(cam_x, cam_y, fl)`` in JUNO_JUNOCAM
  with ``fl`` the focal length in pixels.  The IK's ``undistort`` iterates five
  times "for simplicity"; :func:`undistort` iterates to convergence by default
  (the five-step recipe is off by under 1e-6 px at the framelet ends; pass
  ``iterations=5`` to reproduce it).
- **Timing.** Framelet ``k`` (1-based ``FrameNumber``) starts at
  ``START_TIME + START_TIME_BIAS + (k - 1) (INTERFRAME_DELAY + INTERFRAME_DELTA)``
  and is exposed for ``EXPOSURE_DURATION``; the mid-exposure time is the
  framelet's time for geometry.
- **Raw images.** A raw PNG stacks, for each frame in turn, one 128-line
  framelet per filter in the order of ``FILTER_NAME``.

The constants below are the IK's values, used when no IK is loaded; with one
loaded, :func:`filter_model` reads the pool (``gdpool``) instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "FRAMELET_SAMPLES", "FRAMELET_LINES", "BORESIGHT_PIXEL", "FILTER_IDS", "FILTER_NAMES",
    "FilterModel", "filter_model", "distort", "undistort", "pixel_to_ray", "ray_to_pixel",
    "framelet_times", "raw_rows", "pixel_grid",
]

FRAMELET_SAMPLES = 1648
FRAMELET_LINES = 128
# juno_junocam_v03.ti, "FOV Definition": the boresight is computed for this pixel.
BORESIGHT_PIXEL = (827.0, 64.0)

# juno_junocam_v03.ti: "# is 4 for METHANE, 1 for BLUE, 2 for GREEN, and 3 for RED".
FILTER_IDS = {"METHANE": -61504, "BLUE": -61501, "GREEN": -61502, "RED": -61503}
FILTER_NAMES = {v: k for k, v in FILTER_IDS.items()}

# juno_junocam_v03.ti: INS-6150#_DISTORTION_K1/K2/X/Y, FOCAL_LENGTH, PIXEL_SIZE,
# START_TIME_BIAS, INTERFRAME_DELTA (identical for the four filters except Y).
_K1 = -5.9624209455667325e-08
_K2 = 2.7381910042256151e-14
_CX = 814.21
_CY = {-61504: 315.48, -61501: 158.48, -61502: 3.48, -61503: -151.52}
_FOCAL_LENGTH_MM = 10.95637
_PIXEL_SIZE_MM = 0.0074
_START_TIME_BIAS_S = 0.06188
_INTERFRAME_DELTA_S = 0.001


@dataclass(frozen=True)
class FilterModel:
    """The IK's parameters of one JunoCam filter.

    Attributes
    ----------
    naif_id : int
        -61504 (METHANE), -61501 (BLUE), -61502 (GREEN), -61503 (RED).
    name : str
        Filter name as in labels.
    k1, k2 : float
        Radial distortion coefficients, px^-2 and px^-4.
    cx, cy : float
        Distortion centre in framelet coordinates, px.
    focal_length_mm, pixel_size_mm : float
        Focal length and pixel pitch, mm.
    start_time_bias_s, interframe_delta_s : float
        Added to the label's start time and interframe delay, s.
    source : str
        ``"loaded IK"`` or the constants of this module.
    """

    naif_id: int
    name: str
    k1: float = _K1
    k2: float = _K2
    cx: float = _CX
    cy: float = 0.0
    focal_length_mm: float = _FOCAL_LENGTH_MM
    pixel_size_mm: float = _PIXEL_SIZE_MM
    start_time_bias_s: float = _START_TIME_BIAS_S
    interframe_delta_s: float = _INTERFRAME_DELTA_S
    source: str = "constants of juno_junocam_v03.ti written in flyplan.geometry.camera"

    @property
    def fl_px(self) -> float:
        """Focal length in pixels."""
        return self.focal_length_mm / self.pixel_size_mm

    @property
    def ifov_rad(self) -> float:
        """Angular size of a pixel at the distortion centre, radians."""
        return self.pixel_size_mm / self.focal_length_mm


def _builtin(naif_id: int) -> FilterModel:
    return FilterModel(naif_id, FILTER_NAMES[naif_id], cy=_CY[naif_id])


def filter_model(filt: str | int, *, from_pool: bool = True) -> FilterModel:
    """The camera model of a filter (name or NAIF id), from the loaded IK if any.

    Raises
    ------
    ValueError
        For an unknown filter.
    """
    if isinstance(filt, str):
        key = filt.strip().upper()
        if key not in FILTER_IDS:
            raise ValueError(f"unknown JunoCam filter {filt!r}; filters: "
                             + ", ".join(FILTER_IDS))
        naif_id = FILTER_IDS[key]
    else:
        naif_id = int(filt)
        if naif_id not in FILTER_NAMES:
            raise ValueError(f"unknown JunoCam filter id {filt}; ids: "
                             + ", ".join(str(i) for i in FILTER_NAMES))
    model = _builtin(naif_id)
    if not from_pool:
        return model
    values = {}
    for field_, key in (("k1", "DISTORTION_K1"), ("k2", "DISTORTION_K2"),
                        ("cx", "DISTORTION_X"), ("cy", "DISTORTION_Y"),
                        ("focal_length_mm", "FOCAL_LENGTH"), ("pixel_size_mm", "PIXEL_SIZE"),
                        ("start_time_bias_s", "START_TIME_BIAS"),
                        ("interframe_delta_s", "INTERFRAME_DELTA")):
        v = _pool_double(f"INS{naif_id}_{key}")
        if v is None:
            return model
        values[field_] = v
    return replace(model, source=f"loaded IK (INS{naif_id}_*)", **values)


def _pool_double(name: str) -> float | None:
    try:
        import spiceypy
    except ImportError:  # pragma: no cover - spiceypy is a dependency
        return None
    try:
        return float(spiceypy.gdpool(name, 0, 1)[0])
    except spiceypy.utils.exceptions.SpiceyError:
        return None


# -- distortion (IK recipe) -------------------------------------------------------------------
def distort(cam_x, cam_y, model: FilterModel):
    """Undistorted -> distorted focal-plane coordinates (px from the distortion centre)."""
    cam_x, cam_y = np.asarray(cam_x, float), np.asarray(cam_y, float)
    r2 = cam_x * cam_x + cam_y * cam_y
    dr = 1.0 + model.k1 * r2 + model.k2 * r2 * r2
    return cam_x * dr, cam_y * dr


def undistort(cam_x, cam_y, model: FilterModel, iterations: int | None = None):
    """Distorted -> undistorted focal-plane coordinates, the inverse of :func:`distort`.

    Parameters
    ----------
    cam_x, cam_y : array_like
        Distorted coordinates relative to the distortion centre, px.
    model : FilterModel
    iterations : int, optional
        Fixed-point iterations; default: until the step is below 1e-10 px
        (at most 50).  The IK's recipe uses 5.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Undistorted coordinates, px.
    """
    cx, cy = np.asarray(cam_x, float), np.asarray(cam_y, float)
    x, y = cx.copy(), cy.copy()
    n = iterations if iterations is not None else 50
    for _ in range(n):
        r2 = x * x + y * y
        dr = 1.0 + model.k1 * r2 + model.k2 * r2 * r2
        nx, ny = cx / dr, cy / dr
        step = max(float(np.max(np.abs(nx - x), initial=0.0)),
                   float(np.max(np.abs(ny - y), initial=0.0)))
        x, y = nx, ny
        if iterations is None and step < 1e-10:
            break
    return x, y


def pixel_to_ray(x, y, model: FilterModel, iterations: int | None = None):
    """Unit view directions in JUNO_JUNOCAM of framelet pixel coordinates.

    Parameters
    ----------
    x, y : array_like
        Framelet coordinates, px ((0, 0) upper left; pixel centres at +0.5).
    model : FilterModel

    Returns
    -------
    numpy.ndarray, shape (..., 3)
        Unit vectors, JUNO_JUNOCAM frame.
    """
    ux, uy = undistort(np.asarray(x, float) - model.cx, np.asarray(y, float) - model.cy,
                       model, iterations)
    v = np.stack([ux, uy, np.full_like(ux, model.fl_px)], axis=-1)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def ray_to_pixel(v, model: FilterModel):
    """Framelet coordinates (x, y) of view directions in JUNO_JUNOCAM.

    Directions behind the camera (z <= 0) give NaN.
    """
    v = np.asarray(v, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(v[..., 2] > 0, v[..., 2] / model.fl_px, np.nan)
        dx, dy = distort(v[..., 0] / alpha, v[..., 1] / alpha, model)
    return dx + model.cx, dy + model.cy


def pixel_grid(step: int = 1, samples: int = FRAMELET_SAMPLES, lines: int = FRAMELET_LINES):
    """Pixel-centre coordinates of a framelet (every ``step``-th pixel), as 1-D x and y."""
    return (np.arange(0, samples, step, dtype=float) + 0.5,
            np.arange(0, lines, step, dtype=float) + 0.5)


# -- timing (IK "Timing") ---------------------------------------------------------------------
def framelet_times(start_et: float, interframe_delay_s: float, exposure_s: float, frames,
                   model: FilterModel | None = None) -> dict[str, np.ndarray]:
    """Start, mid-exposure and end of the given frames (1-based frame numbers), ET.

    Parameters
    ----------
    start_et : float
        The label's START_TIME (StartTime), TDB seconds past J2000.
    interframe_delay_s : float
        The label's INTERFRAME_DELAY, s.
    exposure_s : float
        EXPOSURE_DURATION, s.
    frames : array_like of int
        Frame numbers, 1 for the first frame.
    model : FilterModel, optional
        Source of START_TIME_BIAS and INTERFRAME_DELTA (default: the IK's values).

    Returns
    -------
    dict of numpy.ndarray
        ``et_start``, ``et_mid``, ``et_end``.
    """
    model = model or _builtin(-61504)  # timing keywords are the same for every filter
    k = np.asarray(frames, dtype=float)
    t0 = (start_et + model.start_time_bias_s
          + (k - 1.0) * (interframe_delay_s + model.interframe_delta_s))
    return {"et_start": t0, "et_mid": t0 + exposure_s / 2.0, "et_end": t0 + exposure_s}


def raw_rows(rows, filters) -> dict[str, np.ndarray]:
    """Map rows of a raw JunoCam PNG to (frame, filter, line within the framelet).

    Parameters
    ----------
    rows : array_like of int
        0-based row numbers of the raw image.
    filters : sequence of str
        The label's FILTER_NAME, in order.

    Returns
    -------
    dict of numpy.ndarray
        ``frame`` (1-based), ``filter`` (names), ``line`` (0..127).
    """
    rows = np.asarray(rows, dtype=int)
    nf = len(filters)
    block = rows // FRAMELET_LINES
    return {"frame": block // nf + 1,
            "filter": np.asarray(filters, dtype=object)[block % nf],
            "line": rows % FRAMELET_LINES}
