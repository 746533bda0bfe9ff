"""Facts flyplan uses: NAIF ids, radii and names, each with its source.

Numbers here are copied from NAIF's generic kernels (named per constant) so
that flyplan can write a small constants kernel of its own when no NAIF PCK or
LSK is at hand (see :mod:`flyplan.kernels.builtin`).  When NAIF's kernels are loaded,
flyplan reads the values from the pool instead (``bodvrd``).
"""

from __future__ import annotations

__all__ = [
    "JUNO", "JUPITER", "JUPITER_BARYCENTER", "SUN", "EARTH", "EARTH_BARYCENTER",
    "MOONS", "MOON_IDS", "JUPITER_RADII_KM", "JUPITER_POLE_RA_DEG", "JUPITER_POLE_DEC_DEG",
    "C_KM_S", "LEAP_SECONDS", "DELTET", "JOI_UTC", "KM_S_TO_KM_H", "ABCORR_MOON_RANGE",
    "CONVENTIONS",
]

JUNO = -61
JUPITER = 599
JUPITER_BARYCENTER = 5
SUN = 10
EARTH = 399
EARTH_BARYCENTER = 3

# Galilean moons, in order from Jupiter.
MOONS = {"Io": 501, "Europa": 502, "Ganymede": 503, "Callisto": 504}
MOON_IDS = {v: k for k, v in MOONS.items()}

# pck00010.tpc / pck00011.tpc, BODY599_RADII: the 1-bar reference ellipsoid.
JUPITER_RADII_KM = (71492.0, 71492.0, 66854.0)

# pck00010.tpc = pck00011.tpc, BODY599_POLE_RA / _POLE_DEC (IAU 2009): Jupiter's
# north pole, deg and deg per Julian century TDB past J2000 (the nutation-precession
# terms, < 0.003 deg, are where they are needed: flyplan.geometry.earth).
JUPITER_POLE_RA_DEG = (268.056595, -0.006499)
JUPITER_POLE_DEC_DEG = (64.495303, 0.002413)

# The speed of light, km/s (IAU 2012; SPICE's clight()).
C_KM_S = 299792.458

# naif0012.tls: TAI - UTC (s) from each date on (DELTET/DELTA_AT), and the TDB - TT
# model SPICE uses (DELTET/DELTA_T_A, K, EB, M0 and M1).
LEAP_SECONDS = (
    (10, "1972-01-01"), (11, "1972-07-01"), (12, "1973-01-01"), (13, "1974-01-01"),
    (14, "1975-01-01"), (15, "1976-01-01"), (16, "1977-01-01"), (17, "1978-01-01"),
    (18, "1979-01-01"), (19, "1980-01-01"), (20, "1981-07-01"), (21, "1982-07-01"),
    (22, "1983-07-01"), (23, "1985-07-01"), (24, "1988-01-01"), (25, "1990-01-01"),
    (26, "1991-01-01"), (27, "1992-07-01"), (28, "1993-07-01"), (29, "1994-07-01"),
    (30, "1996-01-01"), (31, "1997-07-01"), (32, "1999-01-01"), (33, "2006-01-01"),
    (34, "2009-01-01"), (35, "2012-07-01"), (36, "2015-07-01"), (37, "2017-01-01"),
)
DELTET = {"DELTA_T_A": 32.184, "K": 1.657e-3, "EB": 1.671e-2, "M": (6.239996, 1.99096871e-7)}

# Jupiter orbit insertion (PJ0), Juno project: 2016-07-05 ~02:47 UTC.
JOI_UTC = "2016-07-05T02:47:31.851Z"

KM_S_TO_KM_H = 3600.0

# Range from Juno to a moon (closest approaches in `events`, the mission table
# and `plan`, and the samples' <moon>_range_km): light time only, one setting
# everywhere.  Stellar aberration turns a direction, not a distance; SPICE's
# LT+S ranges differ from LT by up to a few km only through its numerical
# differentiation of the observer's velocity.
ABCORR_MOON_RANGE = "LT"

CONVENTIONS = {
    "altitude": "distance to the nearest point of Jupiter's 1-bar reference ellipsoid "
                "(71492 x 71492 x 66854 km, from the PCK), km; not r minus the equatorial radius",
    "lat_pg_deg": "planetographic latitude: angle of the ellipsoid normal at the nearest "
                  "point (JunoCam convention), degrees",
    "lat_pc_deg": "planetocentric latitude of Juno's position vector, degrees",
    "longitude": "System III (IAU_JUPITER frame), west-positive (lon_w_deg) and east-positive "
                 "(lon_e_deg), degrees",
    "frame": "J2000 (ICRF) for inertial quantities; IAU_JUPITER (System III) body-fixed",
    "speed": "speed_km_s / speed_km_h: relative to Jupiter's centre (NAIF 599) in J2000; "
             "speed_rot_km_s: relative to the atmosphere corotating with System III",
    "perijove": "minimum distance to Jupiter's centre (NAIF 599, not the barycentre 5), "
                "refined with the SPICE Geometry Finder (converged to 0.1 ms)",
    "time": "utc: UTC ISO-8601 (spacecraft event time); et: TDB seconds past J2000",
    "abcorr": "Juno's position relative to Jupiter: geometric (NONE); moons and Jupiter "
              "as seen from Juno (range, occultation, transit, limb angle, phase): light time "
              "(LT), as SPICE's occult/gfoclt; the Sun seen from Jupiter (local time, "
              "illumination, shadow): light time and stellar aberration (LT+S)",
    "moon_range": "range from Juno to a moon's centre (<moon>_range_km, closest approaches in "
                  "events, the mission table and plan): light time only (LT), the same "
                  "everywhere; altitude over a moon: to the nearest point of its ellipsoid "
                  "(events) or range minus its mean radius (mission table)",
    "unresolved": "where flyplan's Juno model would put Juno inside a moon or Jupiter, the "
                  "geometry is left blank and the row says the model cannot resolve the flyby",
    "local_solar_time": "local solar time at Juno's planetocentric longitude, 24 'hours' "
                        "per Jupiter solar day (as SPICE et2lst)",
    "earth_received": "utc_ert: Earth-received time (ERT) = spacecraft event time (utc, SCET) "
                      "+ one-way light time from Juno to the geocentre (light_time_min, "
                      "minutes; Newtonian, solved for transmission as SPICE XCN; DE421 via "
                      "skyfield); sun_earth_juno_deg: angle at the geocentre between the Sun "
                      "and Juno at ERT (small = near solar conjunction, downlink degraded)",
}
