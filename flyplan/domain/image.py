"""JunoCam raw images: framelet times, per-framelet geometry, footprints and backplanes.

From what a user holds -- the raw-image archive's ``<id>-Metadata.json``, a
PDS3 label or an ISIS3 cube label -- :func:`image` finds every framelet's
time (the IK's timing formula, :mod:`flyplan.geometry.camera`), Juno's
position then (altitude, sub-spacecraft point, range: the NAIF trajectory
where one covers the image, else flyplan's Juno model) and, with a C-kernel
giving JunoCam's pointing (``ck=``), where the framelet's boresight, centre
and corner pixels fall on Jupiter; :meth:`Image.backplanes` gives per-pixel
latitude, longitude, emission, incidence, phase and km per pixel as an
xarray Dataset.  Without a C-kernel the spin phase -- where in Juno's 30 s
turn the framelet looked -- is unknown: the framelet table then gives what
lies in JunoCam's swath (the band it sweeps each turn, from the attitude
model of :mod:`flyplan.geometry.junocam`).

Every image carries a self-check: the label's own SPACECRAFT_ALTITUDE and
SUB_SPACECRAFT_LATITUDE/LONGITUDE (the JunoCam team's values at IMAGE_TIME)
against flyplan's, with the trajectory source they come from.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flyplan.constants import CONVENTIONS, JUNO, JUPITER, MOON_IDS, MOONS
from flyplan.errors import CoverageError, ImageError
from flyplan.geometry import camera as cam

__all__ = ["ImageLabel", "read_label", "Image", "ImageSet", "image", "images", "PIXELS",
           "IMAGE_CONVENTIONS"]

# Named framelet pixels (x, y in framelet coordinates): the IK's boresight, the
# framelet's centre, and the photoactive corners the IK's FOV corners use.
PIXELS = {
    "boresight": cam.BORESIGHT_PIXEL,
    "center": (cam.FRAMELET_SAMPLES / 2.0, cam.FRAMELET_LINES / 2.0),
    "ul": (23.5, 0.5),
    "ur": (1630.5, 0.5),
    "lr": (1630.5, 127.5),
    "ll": (23.5, 127.5),
}
# Coarse grid for on-planet fraction and limb, px.
_GRID_STEP = 8

IMAGE_CONVENTIONS = {
    "framelet": "FrameNumber, 1 for the first exposure of the image; a raw PNG stacks, per "
                "frame, one 128-line framelet per filter in FILTER_NAME order",
    "framelet_time": "start = START_TIME + START_TIME_BIAS + (framelet - 1) (INTERFRAME_DELAY "
                     "+ INTERFRAME_DELTA) (IK juno_junocam_v03.ti, Timing); mid = start + "
                     "EXPOSURE_DURATION / 2, used for all geometry",
    "pixel": "framelet coordinates x (0..1648 along the line), y (0..128), (0, 0) the upper-left "
             "corner; boresight = (827, 64) per the IK; corners = the IK's (23.5, 0.5) ...",
    "intercept": "where a pixel's ray (IK distortion model) meets the 1-bar ellipsoid, as SPICE "
                 "sincpt ELLIPSOID with abcorr (default LT+S); NaN off the planet",
    "illumination": "emission, incidence, phase as SPICE ilumin at the intercept",
    "km_per_px": "range to the intercept x IFOV (0.0074 mm / 10.95637 mm), across the line of "
                 "sight (not foreshortened)",
    "self_check": "label SPACECRAFT_ALTITUDE, SUB_SPACECRAFT_LATITUDE/LONGITUDE (JunoCam team, "
                  "at IMAGE_TIME) minus flyplan's, flyplan's from the trajectory named",
}


# -- labels -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImageLabel:
    """What flyplan needs from an image's label.

    Attributes
    ----------
    path : str
        The file read.
    kind : str
        ``"metadata-json"``, ``"pds3"`` or ``"isis3"``.
    product_id : str
        PRODUCT_ID / SourceProductId, or the file name.
    start_utc : str
        START_TIME (StartTime), UTC.
    interframe_delay_s, exposure_s : float
        INTERFRAME_DELAY and EXPOSURE_DURATION, s.
    filters : tuple of str
        FILTER_NAME, in raw-image order.
    frames : tuple of int
        Frame numbers present (1-based).
    lines : int
        Image lines (raw PNG rows).
    image_time_utc : str or None
        IMAGE_TIME, the time of the label's geometry keywords.
    altitude_km, sub_lat_deg, sub_lon_w_deg : float or None
        SPACECRAFT_ALTITUDE, SUB_SPACECRAFT_LATITUDE (planetographic) and
        SUB_SPACECRAFT_LONGITUDE (System III west), when the label has them.
    orbit : int or None
        ORBIT_NUMBER / PJ / OrbitNumber.
    title : str
    """

    path: str
    kind: str
    product_id: str
    start_utc: str
    interframe_delay_s: float
    exposure_s: float
    filters: tuple
    frames: tuple
    lines: int
    image_time_utc: str | None = None
    altitude_km: float | None = None
    sub_lat_deg: float | None = None
    sub_lon_w_deg: float | None = None
    orbit: int | None = None
    title: str = ""
    target: str | None = None

    def as_dict(self) -> dict:
        return {"path": self.path, "kind": self.kind, "product_id": self.product_id,
                "start_time": self.start_utc, "interframe_delay_s": self.interframe_delay_s,
                "exposure_s": self.exposure_s, "filters": list(self.filters),
                "frames": len(self.frames), "first_frame": self.frames[0],
                "last_frame": self.frames[-1], "lines": self.lines,
                "image_time": self.image_time_utc, "orbit": self.orbit, "title": self.title,
                "target": self.target}


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:<\s*([A-Za-z]+)\s*>)?\s*$")
_TO_SECONDS = {"s": 1.0, "sec": 1.0, "ms": 1e-3, "msec": 1e-3}


class _Fields:
    """Field access that names the file and the field in every error."""

    def __init__(self, path: Path, what: str, getter):
        self.path, self.what, self._get = path, what, getter

    def error(self, field_: str, problem: str, hint: str | None = None) -> ImageError:
        return ImageError(f"{self.path}: {self.what} field {field_} {problem}",
                          hint=hint or f"use the complete {self.what} as the archive serves it")

    def raw(self, field_: str, required: bool = True):
        value = self._get(field_)
        if value is None or (isinstance(value, str) and value.strip() in ("", "N/A", "NULL")):
            if required:
                raise self.error(field_, "is missing")
            return None
        return value

    def number(self, field_: str, unit: str | None = None, required: bool = True):
        value = self.raw(field_, required)
        if value is None:
            return None
        units = getattr(value, "units", None)
        if units is not None:  # a pvl Quantity
            value = f"{value.value} <{units}>"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number, got = float(value), None
        else:
            m = _QUANTITY.match(str(value))
            if not m:
                raise self.error(field_, f"= {value!r} is not a number"
                                 + (f" of {unit}" if unit else ""))
            number, got = float(m.group(1)), m.group(2)
        if not math.isfinite(number):
            raise self.error(field_, f"= {value!r} is not finite")
        if unit == "s":
            factor = _TO_SECONDS.get((got or "s").lower())
            if factor is None:
                raise self.error(field_, f"= {value!r} has unit <{got}>, not s or ms")
            return number * factor
        return number

    def time(self, field_: str, required: bool = True) -> str | None:
        import datetime as dt

        value = self.raw(field_, required)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.replace(tzinfo=None).isoformat()
        text = str(value).strip().rstrip("Z")
        if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$", text) and \
                not re.match(r"^\d{4}-\d{3}T\d\d:\d\d(:\d\d(\.\d+)?)?$", text):
            raise self.error(field_, f"= {value!r} is not an ISO-8601 UTC time")
        return text + "Z"

    def filters(self, field_: str) -> tuple:
        value = self.raw(field_)
        names = [value] if isinstance(value, str) else list(value)
        out = []
        for n in names:
            key = str(n).strip().upper()
            if key not in cam.FILTER_IDS:
                raise self.error(field_, f"names {n!r}, not a JunoCam filter "
                                 f"({', '.join(cam.FILTER_IDS)})")
            out.append(key)
        if not out:
            raise self.error(field_, "is empty")
        return tuple(out)

    def integer(self, field_: str, required: bool = True) -> int | None:
        value = self.number(field_, required=required)
        if value is None:
            return None
        if value != int(value) or value < 0:
            raise self.error(field_, f"= {value!r} is not a whole number")
        return int(value)


def read_label(path) -> ImageLabel:
    """Read a JunoCam ``<id>-Metadata.json``, PDS3 label or ISIS3 cube label.

    Raises
    ------
    ImageError
        When the file is missing, of none of these kinds, or lacks a field
        (named in the message) or has a bad value in one.
    """
    p = Path(path)
    if not p.is_file():
        raise ImageError(f"image label not found: {p}",
                         hint="give a <id>-Metadata.json, a PDS3 .LBL or an ISIS3 .lbl/.cub file")
    try:
        head = p.read_bytes()[:1 << 20]
    except OSError as exc:
        raise ImageError(f"cannot read {p}: {exc.strerror}", hint="check the file") from None
    text = head.decode("latin-1")
    if text.lstrip().startswith("{"):
        return _read_json(p, text)
    return _read_pvl(p, text)


def _read_json(p: Path, text: str) -> ImageLabel:
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImageError(f"{p}: not valid JSON ({exc.msg}, line {exc.lineno})",
                         hint="download the metadata file again") from None
    if not isinstance(meta, dict):
        raise ImageError(f"{p}: the metadata is not a JSON object",
                         hint="use the <id>-Metadata.json the raw-image archive serves")
    f = _Fields(p, "metadata", meta.get)
    return _from_fields(p, "metadata-json", f, lines_field="LINES")


def _read_pvl(p: Path, text: str) -> ImageLabel:
    import warnings

    with warnings.catch_warnings():
        # pvl's own use of its deprecated Units class, while parsing and reading values.
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return _read_pvl_label(p, text)


def _read_pvl_label(p: Path, text: str) -> ImageLabel:
    try:
        import pvl
    except ImportError:
        raise ImageError(f"{p}: reading PDS3 and ISIS3 labels needs the pvl package",
                         hint="pip install 'flyplan[image]' (or pip install pvl)") from None
    # An attached label ends at END; what follows may be binary image data.
    m = re.search(r"^\s*END\s*$", text, flags=re.M)
    body = text[:m.end()] if m else text
    try:
        label = pvl.loads(body)
    except Exception as exc:  # noqa: BLE001 - pvl raises several kinds
        raise ImageError(f"{p}: not a JunoCam metadata JSON, PDS3 label or ISIS3 label "
                         f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]})",
                         hint="give the image's <id>-Metadata.json, .LBL or ISIS3 label") from None
    if "IsisCube" in label:
        cube = label["IsisCube"]

        def get(name):
            for group in ("Instrument", "BandBin", "Archive"):
                g = cube.get(group)
                if g is not None and name in g:
                    return g[name]
            dims = cube.get("Core", {}).get("Dimensions", {})
            return dims.get(name)

        f = _Fields(p, "ISIS3 label", get)
        frame = f.integer("FrameNumber")
        if frame < 1:
            raise f.error("FrameNumber", f"= {frame} is not a frame number (1, 2, ...)")
        filters = f.filters("FilterName")
        if len(filters) != 1:
            raise f.error("FilterName", f"names {len(filters)} filters; an ISIS3 JunoCam cube "
                          "holds one framelet of one filter")
        lines = f.integer("Lines", required=False) or cam.FRAMELET_LINES
        return ImageLabel(
            str(p), "isis3", str(get("SourceProductId") or p.name.split(".")[0]),
            f.time("StartTime"), f.number("InterFrameDelay", "s"),
            f.number("ExposureDuration", "s"), filters, (frame,), lines,
            orbit=f.integer("OrbitNumber", required=False),
            target=_text(get("TargetName")))

    def get(name):
        if name in label:
            return label[name]
        img = label.get("IMAGE")
        return img.get(name) if img is not None else None

    if get("START_TIME") is None and get("INSTRUMENT_ID") is None:
        raise ImageError(f"{p}: not a JunoCam metadata JSON, PDS3 label or ISIS3 label "
                         "(no START_TIME, INSTRUMENT_ID or IsisCube)",
                         hint="give the image's <id>-Metadata.json, .LBL or ISIS3 label")
    return _from_fields(p, "pds3", _Fields(p, "PDS3 label", get), lines_field="LINES")


def _from_fields(p: Path, kind: str, f: _Fields, lines_field: str) -> ImageLabel:
    start = f.time("START_TIME")
    delay = f.number("INTERFRAME_DELAY", "s")
    exposure = f.number("EXPOSURE_DURATION", "s")
    filters = f.filters("FILTER_NAME")
    lines = f.integer(lines_field)
    if delay <= 0 or delay > 60:
        raise f.error("INTERFRAME_DELAY", f"= {delay} s is not a JunoCam interframe delay")
    if exposure < 0 or exposure > delay:
        raise f.error("EXPOSURE_DURATION", f"= {exposure} s is negative or longer than the "
                      f"interframe delay ({delay} s)")
    per_frame = cam.FRAMELET_LINES * len(filters)
    if lines == 0 or lines % per_frame:
        raise f.error(lines_field, f"= {lines} is not a multiple of {per_frame} (128 lines x "
                      f"{len(filters)} filter(s) {', '.join(filters)})")
    orbit = f.integer("ORBIT_NUMBER", required=False)
    if orbit is None:
        pj = f.raw("PJ", required=False)
        orbit = int(pj) if pj is not None and str(pj).strip().isdigit() else None
    return ImageLabel(
        str(p), kind, str(f.raw("PRODUCT_ID", required=False) or p.name.split("-")[0]),
        start, delay, exposure, filters, tuple(range(1, lines // per_frame + 1)), lines,
        image_time_utc=f.time("IMAGE_TIME", required=False),
        altitude_km=f.number("SPACECRAFT_ALTITUDE", required=False),
        sub_lat_deg=f.number("SUB_SPACECRAFT_LATITUDE", required=False),
        sub_lon_w_deg=f.number("SUB_SPACECRAFT_LONGITUDE", required=False),
        orbit=orbit, title=str(f.raw("TITLE", required=False) or ""),
        target=_text(f.raw("TARGET_NAME", required=False)))


def _text(value) -> str | None:
    return str(value).strip().upper() if value not in (None, "") else None


# -- results ----------------------------------------------------------------------------------
@dataclass
class Image:
    """Geometry of one JunoCam image.

    Attributes
    ----------
    label : ImageLabel
    framelets : pandas.DataFrame
        One row per framelet and filter: ``framelet``, ``filter``, raw-PNG
        rows, start/mid/end times (UTC and ET), Juno's ``altitude_km``,
        sub-spacecraft ``lat_pg_deg``/``lat_pc_deg``/``lon_w_deg``,
        ``range_km`` (to Jupiter's centre), what is in view or in the swath,
        and with a C-kernel the pointing columns (``boresight_*``,
        ``center_*``, corner ``ul_/ur_/lr_/ll_`` latitude and longitude,
        ``on_planet_fraction``, limb).
    self_check : dict
        Label versus flyplan at IMAGE_TIME (``available`` False when the label
        has no geometry keywords).
    pointing : str
        Where JunoCam's pointing came from, or why it is unknown.
    selection : flyplan.kernels.assemble.KernelSelection
        The kernels used and the labels of the trajectory and moon sources.
    notes : list of str
    abcorr : str
    has_pointing : bool
        Whether a C-kernel gave the pointing of at least one framelet.
    track : pandas.DataFrame
        Juno's sub-spacecraft track from 30 min before to 30 min after.
    moons : pandas.DataFrame
        The Galilean moons' sub-points on Jupiter at the image's middle time.
    footprints : pandas.DataFrame or None
        With pointing: the outline of each framelet's on-planet part
        (``framelet``, ``filter``, ``lat_pg_deg``, ``lon_w_deg``).
    """

    label: ImageLabel
    framelets: object
    self_check: dict
    pointing: str
    selection: object
    notes: list = field(default_factory=list)
    abcorr: str = "LT+S"
    has_pointing: bool = False
    track: object = None
    moons: object = None
    footprints: object = None

    @property
    def product_id(self) -> str:
        return self.label.product_id

    def metadata(self) -> dict:
        """Provenance and conventions (no SPICE needed: safe after the pool changed)."""
        from flyplan import __version__

        return {"flyplan_version": __version__, "source": self.selection.describe(),
                "notes": list(self.notes), "image": self.product_id,
                "label": self.label.path, "pointing": self.pointing, "abcorr": self.abcorr,
                "conventions": {**CONVENTIONS, **IMAGE_CONVENTIONS},
                "kernels": self.selection.kernels.provenance()}

    def rows(self, rows) -> object:
        """Rows of the raw PNG mapped to framelet, filter, line and time (a DataFrame)."""
        import pandas as pd

        rows = np.asarray(rows, dtype=int)
        if self.label.kind == "isis3":
            bad = (rows < 0) | (rows >= cam.FRAMELET_LINES)
            frame = np.full(rows.shape, self.label.frames[0])
            m = {"frame": frame, "filter": np.full(rows.shape, self.label.filters[0], object),
                 "line": rows % cam.FRAMELET_LINES}
        else:
            bad = (rows < 0) | (rows >= self.label.lines)
            m = cam.raw_rows(rows, self.label.filters)
        if bad.any():
            raise ImageError(f"row {int(rows[bad][0])} is outside the image "
                             f"(0..{self.label.lines - 1})", hint="give rows of this image")
        key = self.framelets.set_index(["framelet", "filter"])
        idx = list(zip(m["frame"], m["filter"]))
        sub = key.loc[idx, ["utc_mid", "et_mid", "et_start", "et_end"]].reset_index()
        return pd.DataFrame({"row": rows, "framelet": m["frame"], "filter": m["filter"],
                             "line": m["line"], "utc_mid": sub["utc_mid"].to_numpy(),
                             "et_mid": sub["et_mid"].to_numpy(),
                             "et_start": sub["et_start"].to_numpy(),
                             "et_end": sub["et_end"].to_numpy()})

    def backplanes(self, *, step: int = 1, framelets=None):
        """Per-pixel backplanes of every framelet (or those listed) as an xarray Dataset.

        Parameters
        ----------
        step : int
            Take every ``step``-th pixel along both axes (1: full resolution).
        framelets : iterable of int, optional
            Row positions in :attr:`framelets` to compute (default: all).

        Returns
        -------
        xarray.Dataset
            Dimensions ``framelet``, ``line``, ``sample``; variables
            :data:`flyplan.geometry.footprint.BACKPLANES` (float32; NaN off
            the planet), coordinates ``frame``, ``filter``, ``et_mid``,
            ``utc_mid``, ``x`` and ``y`` (framelet pixel coordinates).

        Raises
        ------
        CoverageError
            When no C-kernel gives JunoCam's pointing for a framelet.
        """
        return _backplanes(self, step=step, rows=framelets)


@dataclass
class ImageSet:
    """Several images, as ``flyplan image FILE...`` gives them."""

    images: list

    def metadata(self) -> dict:
        """Provenance of the set: every image's kernels (once each) and notes."""
        from flyplan import __version__

        kernels, seen, notes = [], set(), []
        for im in self.images:
            for k in im.selection.kernels.provenance():
                if k["path"] not in seen:
                    seen.add(k["path"])
                    kernels.append(k)
            notes += [f"{im.product_id}: {n}" for n in im.notes]
        return {"flyplan_version": __version__, "notes": notes,
                "images": [im.product_id for im in self.images],
                "conventions": {**CONVENTIONS, **IMAGE_CONVENTIONS}, "kernels": kernels}


def self_check_text(sc: dict) -> str:
    """One line: the label's geometry minus flyplan's, or why there is none."""
    if not sc.get("available"):
        return sc.get("reason", "not available")
    return (f"at {sc['image_time']}: altitude {sc['d_altitude_km']:+.1f} km, "
            f"sub-spacecraft latitude {sc['d_lat_deg']:+.4f} deg, longitude "
            f"{sc['d_lon_deg']:+.4f} deg (label minus flyplan; flyplan's trajectory: "
            f"{sc['trajectory']})")


# -- computation ------------------------------------------------------------------------------
def _framelet_frame(label: ImageLabel, start_et: float):
    """The framelet table's time and row columns (one row per frame and filter)."""
    import pandas as pd

    from flyplan.timeutil import et_to_utc

    frames = np.repeat(np.asarray(label.frames), len(label.filters))
    filters = np.tile(np.asarray(label.filters, dtype=object), len(label.frames))
    models = {f: cam.filter_model(f) for f in label.filters}
    model = models[label.filters[0]]
    t = cam.framelet_times(start_et, label.interframe_delay_s, label.exposure_s, frames, model)
    if label.kind == "isis3":
        first = np.zeros(len(frames), dtype=int)
    else:
        order = np.tile(np.arange(len(label.filters)), len(label.frames))
        first = ((frames - 1) * len(label.filters) + order) * cam.FRAMELET_LINES
    return pd.DataFrame({
        "framelet": frames, "filter": filters,
        "filter_id": [cam.FILTER_IDS[f] for f in filters],
        "raw_row_first": first, "raw_row_last": first + cam.FRAMELET_LINES - 1,
        "utc_start": et_to_utc(t["et_start"]), "utc_mid": et_to_utc(t["et_mid"]),
        "utc_end": et_to_utc(t["et_end"]),
        "et_start": t["et_start"], "et_mid": t["et_mid"], "et_end": t["et_end"],
    }), models


def _camera_covered(et) -> np.ndarray:
    """Whether the loaded kernels give JUNO_JUNOCAM's orientation at each ET."""
    import spiceypy
    from spiceypy import cyice

    et = np.array(np.atleast_1d(et), dtype=float)
    try:
        cyice.pxform_v("JUNO_JUNOCAM", "J2000", et)
        return np.ones(len(et), bool)
    except spiceypy.utils.exceptions.SpiceyError:
        pass
    ok = np.zeros(len(et), bool)
    for i, t in enumerate(et):  # only reached when coverage is partial: once per framelet
        try:
            spiceypy.pxform("JUNO_JUNOCAM", "J2000", float(t))
            ok[i] = True
        except spiceypy.utils.exceptions.SpiceyError:
            pass
    return ok


def _pointing_columns(df, models, abcorr: str):
    """Boresight, centre and corner intercepts, on-planet fraction and limb (in place).

    Returns the outline of each framelet's on-planet part (every other point
    of the 8-px grid's boundary) as a DataFrame.
    """
    import pandas as pd

    from flyplan.geometry.footprint import intercepts

    names = list(PIXELS)
    gx, gy = cam.pixel_grid(_GRID_STEP)
    GX, GY = np.meshgrid(gx, gy)
    rays_cache = {}
    for f, m in models.items():
        px = np.array([PIXELS[k] for k in names])
        special = cam.pixel_to_ray(px[:, 0], px[:, 1], m)
        grid = cam.pixel_to_ray(GX.ravel(), GY.ravel(), m)
        rays_cache[f] = np.vstack([special, grid])
    out = {f"{k}_{q}": np.full(len(df), np.nan) for k in names
           for q in ("lat_pg_deg", "lon_w_deg")}
    extra = {k: np.full(len(df), np.nan) for k in (
        "center_emission_deg", "center_incidence_deg", "center_phase_deg", "center_km_per_px",
        "on_planet_fraction", "limb_lat_pg_min_deg", "limb_lat_pg_max_deg")}
    limb_in_view = np.zeros(len(df), bool)
    outline = []
    n_special = len(names)
    for i, (et, filt, ok) in enumerate(zip(df["et_mid"], df["filter"], df["pointing_known"])):
        if not ok:
            continue
        r = intercepts(float(et), rays_cache[filt], abcorr=abcorr)
        for j, k in enumerate(names):
            out[f"{k}_lat_pg_deg"][i] = r["lat_pg_deg"][j]
            out[f"{k}_lon_w_deg"][i] = r["lon_w_deg"][j]
        for q in ("emission_deg", "incidence_deg", "phase_deg", "km_per_px"):
            extra[f"center_{q}"][i] = r[q][1]
        hit = r["hit"][n_special:].reshape(GX.shape)
        extra["on_planet_fraction"][i] = hit.mean()
        # Limb: on-planet grid points with an off-planet neighbour (the
        # framelet's border, padded as on-planet, is not the limb).
        pad = np.pad(hit, 1, constant_values=True)
        edge = hit & ~(pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:])
        # Outline of the on-planet part (the framelet's border counts here).
        pad0 = np.pad(hit, 1, constant_values=False)
        rim = hit & ~(pad0[:-2, 1:-1] & pad0[2:, 1:-1] & pad0[1:-1, :-2] & pad0[1:-1, 2:])
        lat_g = r["lat_pg_deg"][n_special:].reshape(GX.shape)[rim][::2]
        lon_g = r["lon_w_deg"][n_special:].reshape(GX.shape)[rim][::2]
        outline.append(pd.DataFrame({"row": i, "framelet": df["framelet"].iloc[i],
                                     "filter": filt, "lat_pg_deg": lat_g, "lon_w_deg": lon_g}))
        if edge.any():
            lat = r["lat_pg_deg"][n_special:].reshape(GX.shape)[edge]
            limb_in_view[i] = True
            extra["limb_lat_pg_min_deg"][i] = lat.min()
            extra["limb_lat_pg_max_deg"][i] = lat.max()
    for k, v in {**out, **extra}.items():
        df[k] = v
    df["limb_in_view"] = limb_in_view
    cols = ["row", "framelet", "filter", "lat_pg_deg", "lon_w_deg"]
    return pd.concat(outline, ignore_index=True) if outline else pd.DataFrame(columns=cols)


def _moon_columns(df, models, has_ck, attitude) -> None:
    """Per moon: range, and whether it is in the framelet (CK) or in the swath (model)."""
    from spiceypy import cyice

    from flyplan.geometry.junocam import imaging_columns

    et = np.array(df["et_mid"].to_numpy(float), dtype=float)  # writable, as cyice needs
    ids = tuple(MOONS.values())
    try:
        swath, label = imaging_columns(et, ids, attitude=attitude)
    except Exception:  # noqa: BLE001 - no moon ephemeris covers the image
        return
    for moon in ids:
        name = MOON_IDS[moon].lower()
        df[f"{name}_km_per_px"] = swath[f"{name}_km_per_px"]
        df[f"{name}_in_swath"] = swath[f"{name}_in_swath"]
        if not has_ck:
            continue
        inview = np.zeros(len(df), bool)
        xs, ys = np.full(len(df), np.nan), np.full(len(df), np.nan)
        known = df["pointing_known"].to_numpy(bool)
        if known.any():
            v, _ = cyice.spkpos_v(str(moon), np.array(et[known], dtype=float), "JUNO_JUNOCAM",
                                  "LT+S", str(JUNO))
            filt = df["filter"].to_numpy()[known]
            x = np.full(known.sum(), np.nan)
            y = np.full(known.sum(), np.nan)
            for f, m in models.items():
                sel = filt == f
                x[sel], y[sel] = cam.ray_to_pixel(np.asarray(v)[sel], m)
            xs[known], ys[known] = x, y
            with np.errstate(invalid="ignore"):
                inview = ((xs >= 0) & (xs < cam.FRAMELET_SAMPLES) & (ys >= 0)
                          & (ys < cam.FRAMELET_LINES))
        df[f"{name}_in_view"] = inview
        df[f"{name}_x_px"] = np.where(inview, xs, np.nan)
        df[f"{name}_y_px"] = np.where(inview, ys, np.nan)


def _swath_columns(df, attitude) -> str:
    """Jupiter's place in the swath from the spin axis (CK when loaded, else the model)."""
    from spiceypy import cyice

    from flyplan.geometry.junocam import SWATH_DEG, spin_axis, spin_plane_angle

    et = np.array(df["et_mid"].to_numpy(float), dtype=float)  # writable, as cyice needs
    axis, label = spin_axis(et, attitude)
    jup, _ = cyice.spkpos_v(str(JUPITER), et, "J2000", "LT+S", str(JUNO))
    jup = np.asarray(jup)
    rng = np.linalg.norm(jup, axis=1)
    from flyplan.geometry.samples import jupiter_radii

    a, _c = jupiter_radii()
    half = np.degrees(np.arcsin(np.minimum(a / rng, 1.0)))
    angle = np.degrees(spin_plane_angle(jup, axis))
    df["jupiter_spin_plane_angle_deg"] = angle
    df["jupiter_ang_radius_deg"] = half
    # Some of the disk lies inside the swath band.
    df["jupiter_in_swath"] = (angle + half >= SWATH_DEG[0]) & (angle - half <= SWATH_DEG[1])
    lo, hi = _limb_in_swath(et, axis, a, _c)
    df["limb_in_swath_lat_pg_min_deg"] = lo
    df["limb_in_swath_lat_pg_max_deg"] = hi
    return label


def _limb_in_swath(et, axis, a: float, c: float, n: int = 720):
    """Planetographic latitude range of the part of Jupiter's limb inside JunoCam's swath.

    The limb is SPICE's ``edlimb`` ellipse seen from Juno (geometric: the 0.3 s
    of light time turn Jupiter by 0.003 deg, far below what a swath statement
    needs); NaN where no limb point lies in the swath.
    """
    import spiceypy
    from spiceypy import cyice

    from flyplan.geometry.junocam import SWATH_DEG, in_swath, spin_plane_angle

    juno_bf, _ = cyice.spkpos_v(str(JUNO), et, "IAU_JUPITER", "NONE", str(JUPITER))
    to_j2000 = np.asarray(cyice.pxform_v("IAU_JUPITER", "J2000", et))
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    lo, hi = np.full(len(et), np.nan), np.full(len(et), np.nan)
    for i, pos in enumerate(np.asarray(juno_bf)):  # one limb ellipse per framelet
        limb = spiceypy.edlimb(a, a, c, pos)
        centre, smaj, smin = spiceypy.el2cgv(limb)
        pts = (np.asarray(centre) + np.cos(t)[:, None] * np.asarray(smaj)
               + np.sin(t)[:, None] * np.asarray(smin))
        dirs = (pts - pos) @ to_j2000[i].T
        ins = in_swath(spin_plane_angle(dirs, axis[i][None, :]), SWATH_DEG)
        if ins.any():
            normal = pts[ins] / np.array([a * a, a * a, c * c])
            lat = np.degrees(np.arctan2(normal[:, 2], np.hypot(normal[:, 0], normal[:, 1])))
            lo[i], hi[i] = lat.min(), lat.max()
    return lo, hi


def image(path, *, ck=None, kernels=None, source: str = "auto", abcorr: str = "LT+S") -> Image:
    """Geometry of a JunoCam image from its metadata file or label.

    Parameters
    ----------
    path : path-like
        ``<id>-Metadata.json``, a PDS3 label or an ISIS3 cube label.
    ck : path-like or sequence of path-like, optional
        C-kernel(s) with Juno's attitude (JUNO_SPACECRAFT) over the image:
        they give each framelet's pointing (the spin phase).
    kernels : path-like, optional
        Kernel directory laid out like NAIF's archive (else ``$FLYPLAN_KERNELS``
        and the cache); the FK, IK and SCLK come from there.
    source : {"auto", "naif", "model"}
        Juno's trajectory: NAIF where it covers the image, else flyplan's model.
    abcorr : str
        Aberration correction of the intercepts (as SPICE ``sincpt``).

    Returns
    -------
    Image

    Raises
    ------
    flyplan.errors.FlyplanError
        For a label that cannot be read (:class:`ImageError`, naming the
        field), or kernels that cannot serve the image.
    """
    from flyplan.geometry import samples as geometry
    from flyplan.geometry.junocam import attitude_for
    from flyplan.kernels import select as sources
    from flyplan.kernels.assemble import base_kernels
    from flyplan.orbit import prepare
    from flyplan.timeutil import et_to_utc, utc_to_et

    label = read_label(path)
    cands = sources.candidates(sources.kernel_dirs(kernels))
    # Leapseconds first: the window is only known once the label's times are ET.
    base, _ = base_kernels(cands)
    base.load()
    start_et = utc_to_et(label.start_utc)
    df, models = _framelet_frame(label, start_et)
    image_et = utc_to_et(label.image_time_utc) if label.image_time_utc else None
    t0 = min(df["et_start"].min(), image_et if image_et is not None else np.inf)
    t1 = max(df["et_end"].max(), image_et if image_et is not None else -np.inf)
    # The one request preamble; an absolute window names the nearest perijove
    # for the model trajectory.
    prep = prepare(None, f"{et_to_utc(t0 - 60.0)}..{et_to_utc(t1 + 60.0)}", kernels=kernels,
                   source=source, moons=True, cands=cands)
    sel, pj = prep.selection, prep.number
    notes = list(sel.notes) + list(prep.notes)
    if label.target and label.target != "JUPITER":
        notes.append(f"the label's target is {label.target}: footprints and backplanes are "
                     "intercepts with Jupiter only")
    cks = [ck] if isinstance(ck, (str, Path)) else list(ck or [])
    for c in cks:
        info = sel.kernels.add(c, note="JunoCam pointing: Juno attitude C-kernel (--ck)")
        if info.kind != "ck":
            raise ImageError(f"{c} is a {info.kind} kernel, not a C-kernel (.bc)",
                             hint="give Juno's attitude kernel (juno_sc_*.bc) with --ck")
    sel.kernels.load()
    sel.kernels.require(JUNO, t0, t1, "Juno (-61)")
    # The instrument kernel may have arrived with the selection: read the models again.
    models = {f: cam.filter_model(f) for f in models}
    if any(m.source.startswith("constants") for m in models.values()):
        notes.append("no JunoCam IK (juno_junocam_v03.ti) loaded: using the IK's constants "
                     "written in flyplan.geometry.camera")

    # Juno's own geometry at each framelet's mid time.
    et_mid = np.array(df["et_mid"].to_numpy(float), dtype=float)  # writable, as cyice needs
    geo = geometry.sample_table(et_mid, ())
    for k in ("altitude_km", "lat_pg_deg", "lat_pc_deg", "lon_w_deg", "local_solar_time"):
        df[k] = geo[k].to_numpy()
    df["range_km"] = geo["radius_km"].to_numpy()

    attitude, note = attitude_for(pj)
    has_frames = _camera_frames_loaded()
    covered = _camera_covered(et_mid) if (cks and has_frames) else np.zeros(len(df), bool)
    df["pointing_known"] = covered
    if cks and not has_frames:
        notes.append("a C-kernel was given but the Juno FK or SCLK is missing: pointing unknown")
    swath_label = _swath_columns(df, attitude)
    footprints = None
    if covered.any():
        footprints = _pointing_columns(df, models, abcorr)
        names = ", ".join(Path(c).name for c in cks)
        pointing = f"C-kernel {names} (JUNO_SPACECRAFT) with the FK's JUNO_JUNOCAM alignment"
        if not covered.all():
            miss = df.loc[~covered, "framelet"].unique()
            notes.append(f"the C-kernel does not cover framelet(s) {_ranges(miss)}: their "
                         "pointing is unknown")
    else:
        why = ("the C-kernel given does not cover the image" if cks
               else "no C-kernel given (--ck)")
        pointing = (f"unknown: {why}, so the spin phase is unknown; the swath (what JunoCam "
                    f"sweeps each spin) is from the spin axis: {swath_label}")
        if note:
            notes.append(note)
    _moon_columns(df, models, covered.any(), attitude)
    sc = _self_check(label, image_et, sel)
    track = _track(t0, t1, sel)
    moons = _sub_moons(0.5 * (t0 + t1))
    return Image(label, df, sc, pointing, sel, notes, abcorr, bool(covered.any()), track, moons,
                 footprints)


def _sub_moons(et: float):
    """The Galilean moons' sub-points on Jupiter (planetographic, System III west) at ``et``."""
    import pandas as pd
    import spiceypy

    from flyplan.geometry.samples import jupiter_radii

    a, c = jupiter_radii()
    rows = []
    for name, moon in MOONS.items():
        try:
            pos, _ = spiceypy.spkpos(str(moon), et, "IAU_JUPITER", "LT", str(JUPITER))
        except spiceypy.utils.exceptions.SpiceyError:
            continue  # no moon ephemeris covers the image
        lon, lat, _alt = spiceypy.recpgr("JUPITER", pos, a, (a - c) / a)
        rows.append({"moon": name, "lat_pg_deg": math.degrees(lat),
                     "lon_w_deg": math.degrees(lon), "distance_km": float(np.linalg.norm(pos))})
    return pd.DataFrame(rows, columns=["moon", "lat_pg_deg", "lon_w_deg", "distance_km"])


def _camera_frames_loaded() -> bool:
    import spiceypy

    try:
        return spiceypy.namfrm("JUNO_JUNOCAM") != 0 and spiceypy.gdpool(
            "SCLK01_COEFFICIENTS_61", 0, 1) is not None
    except spiceypy.utils.exceptions.SpiceyError:
        return False


def _ranges(values) -> str:
    values = sorted(int(v) for v in values)
    out, start, prev = [], values[0], values[0]
    for v in values[1:] + [None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ", ".join(out)


def _self_check(label: ImageLabel, image_et, sel) -> dict:
    from flyplan.geometry import samples as geometry

    base = {"trajectory": sel.trajectory_label, "approximate": sel.approximate}
    if image_et is None or label.altitude_km is None or label.sub_lat_deg is None \
            or label.sub_lon_w_deg is None:
        missing = [k for k, v in (("IMAGE_TIME", image_et), ("SPACECRAFT_ALTITUDE",
                                                            label.altitude_km),
                                  ("SUB_SPACECRAFT_LATITUDE", label.sub_lat_deg),
                                  ("SUB_SPACECRAFT_LONGITUDE", label.sub_lon_w_deg)) if v is None]
        return {"available": False, **base,
                "reason": f"the {label.kind} label has no {', '.join(missing)}: no self-check"}
    from flyplan.timeutil import et_to_utc

    row = geometry.sample_table(np.array([image_et]), ()).iloc[0]
    d_lon = (label.sub_lon_w_deg - float(row["lon_w_deg"]) + 180.0) % 360.0 - 180.0
    return {
        "available": True, "image_time": et_to_utc(image_et), **base,
        "label_altitude_km": label.altitude_km, "flyplan_altitude_km": float(row["altitude_km"]),
        "d_altitude_km": label.altitude_km - float(row["altitude_km"]),
        "label_sub_lat_deg": label.sub_lat_deg, "flyplan_sub_lat_pg_deg": float(row["lat_pg_deg"]),
        "d_lat_deg": label.sub_lat_deg - float(row["lat_pg_deg"]),
        "label_sub_lon_w_deg": label.sub_lon_w_deg,
        "flyplan_sub_lon_w_deg": float(row["lon_w_deg"]), "d_lon_deg": d_lon,
    }


def _track(t0: float, t1: float, sel):
    """Juno's sub-spacecraft track from 30 min before to 30 min after the image."""
    from flyplan.geometry import samples as geometry
    from flyplan.timeutil import et_to_utc

    lo, hi = t0 - 1800.0, t1 + 1800.0
    for _, a, b in sel.kernels.coverage(JUNO):
        if a <= t0 and t1 <= b:
            lo, hi = max(lo, a), min(hi, b)
            break
    et = np.linspace(lo, hi, 121)
    df = geometry.sample_table(et, ())
    return df[["utc", "et", "altitude_km", "lat_pg_deg", "lon_w_deg"]].assign(
        utc=et_to_utc(et))


def _backplanes(img: Image, *, step: int = 1, rows=None):
    import xarray as xr

    from flyplan.geometry.footprint import BACKPLANES, intercepts

    if step < 1:
        raise ValueError("step must be 1 or more")
    df = img.framelets
    rows = list(range(len(df))) if rows is None else list(rows)
    img.selection.kernels.load()
    known = df["pointing_known"].to_numpy(bool)
    if not known[rows].all():
        bad = df["framelet"].to_numpy()[rows][~known[rows]]
        raise CoverageError(
            f"no pointing for framelet(s) {_ranges(bad)} of {img.product_id}: backplanes need "
            "JunoCam's pointing", covered=img.pointing,
            hint="give Juno's attitude C-kernel covering the image with --ck "
                 "(juno_sc_rec_*.bc from NAIF's JUNO/kernels/ck)")
    x, y = cam.pixel_grid(step)
    X, Y = np.meshgrid(x, y)
    shape = (len(rows), len(y), len(x))
    data = {k: np.full(shape, np.nan, dtype=np.float32) for k in BACKPLANES}
    rays = {}
    for out_i, i in enumerate(rows):
        filt = df["filter"].iloc[i]
        if filt not in rays:
            rays[filt] = cam.pixel_to_ray(X.ravel(), Y.ravel(), cam.filter_model(filt))
        r = intercepts(float(df["et_mid"].iloc[i]), rays[filt], abcorr=img.abcorr)
        for k in BACKPLANES:
            data[k][out_i] = r[k].reshape(X.shape)
    sub = df.iloc[rows]
    units = {"lat_pg_deg": "degree", "lat_pc_deg": "degree", "lon_w_deg": "degree",
             "emission_deg": "degree", "incidence_deg": "degree", "phase_deg": "degree",
             "range_km": "km", "km_per_px": "km"}
    long_names = {
        "lat_pg_deg": "planetographic latitude of the pixel's intercept on the 1-bar ellipsoid",
        "lat_pc_deg": "planetocentric latitude of the intercept",
        "lon_w_deg": "System III longitude of the intercept, west-positive",
        "emission_deg": "emission angle at the intercept (SPICE ilumin)",
        "incidence_deg": "solar incidence angle at the intercept (SPICE ilumin)",
        "phase_deg": "phase angle at the intercept (SPICE ilumin)",
        "range_km": "distance from Juno to the intercept",
        "km_per_px": "range x IFOV: pixel size across the line of sight",
    }
    ds = xr.Dataset(
        {k: (("framelet", "line", "sample"), v, {"units": units[k], "long_name": long_names[k]})
         for k, v in data.items()},
        coords={"framelet": np.arange(len(rows)),
                "frame": ("framelet", sub["framelet"].to_numpy(int)),
                "filter": ("framelet", sub["filter"].to_numpy().astype(str)),
                "et_mid": ("framelet", sub["et_mid"].to_numpy(float), {"units": "s TDB past J2000"}),
                "utc_mid": ("framelet", sub["utc_mid"].to_numpy().astype(str)),
                "x": ("sample", x, {"long_name": "framelet pixel x (IK framelet coordinates)"}),
                "y": ("line", y, {"long_name": "framelet pixel y"})})
    meta = img.metadata()
    ds.attrs.update({
        "title": f"JunoCam backplanes of {img.product_id}",
        "flyplan_version": meta["flyplan_version"], "product_id": img.product_id,
        "label": img.label.path, "pointing": img.pointing, "abcorr": img.abcorr,
        "trajectory": img.selection.trajectory_label, "step_px": step,
        "conventions": json.dumps(meta["conventions"]),
        "kernels": json.dumps([{k: d[k] for k in ("name", "sha256", "source")}
                               for d in meta["kernels"]]),
    })
    return ds


def write_backplanes(ds, path) -> Path:
    """Write backplanes to NetCDF (``.nc``) atomically: a temporary file, then a rename."""
    import os

    p = Path(path)
    if p.suffix.lower() not in (".nc", ".nc4", ".netcdf"):
        raise ImageError(f"backplanes file {p} must end in .nc (NetCDF)",
                         hint="name the output like image_backplanes.nc")
    if not p.parent.exists():
        raise ImageError(f"directory {p.parent} does not exist", hint="create it first")
    tmp = p.with_name(f".{p.name}.tmp-{os.getpid()}")
    enc = {k: {"zlib": True, "complevel": 4} for k in ds.data_vars}
    try:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=enc)
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


def images(paths, **kwargs) -> ImageSet:
    """:func:`image` for each path, as an :class:`ImageSet`."""
    return ImageSet([image(p, **kwargs) for p in paths])
