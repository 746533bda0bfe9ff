"""Facts flyplan uses: NAIF ids, radii and names, each with its source.

Numbers here are copied from NAIF's generic kernels (named per constant) so
that flyplan can write a small constants kernel of its own when no NAIF PCK or
LSK is at hand (see :mod:`flyplan.kernels.builtin`).  When NAIF's kernels are loaded,
flyplan reads the values from the pool instead (``bodvrd``).
"""

from __future__ import annotations

__all__ = [
    "JUNO", "JUPITER", "JUPITER_BARYCENTER", "SUN", "EARTH", "EARTH_BARYCENTER",
    "MOONS", "MOON_IDS", "JUPITER_RADII_KM", "MOON_RADII_KM", "SUN_RADIUS_KM",
    "JOI_UTC", "KM_S_TO_KM_H", "ABCORR_MOONS", "ABCORR_MOON_RANGE", "CONVENTIONS",
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
# pck00011.tpc, BODY501..504_RADII (triaxial; their mean is used for sizes).
MOON_RADII_KM = {
    501: (1829.4, 1819.4, 1815.7),
    502: (1562.6, 1560.3, 1559.5),
    503: (2631.2, 2631.2, 2631.2),
    504: (2410.3, 2410.3, 2410.3),
}
# pck00011.tpc, BODY10_RADII (IAU 2015 nominal solar radius).
SUN_RADIUS_KM = 695700.0

# Jupiter orbit insertion (PJ0), Juno project: 2016-07-05 ~02:47 UTC.
JOI_UTC = "2016-07-05T02:47:31.851Z"

KM_S_TO_KM_H = 3600.0

# Light time and stellar aberration for what Juno *sees*; geometric states for
# where Juno *is* relative to Jupiter.
ABCORR_MOONS = "LT+S"
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
                "refined with the SPICE Geometry Finder to 1 ms",
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
