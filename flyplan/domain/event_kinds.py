"""The kinds of event :mod:`flyplan.domain.events` finds, and what each means.

A module of names only (no imports), so that the command line can list and
check them without loading numpy or SPICE.
"""

__all__ = ["EVENT_KINDS"]

EVENT_KINDS = {
    "perijove": "local minimum of Juno's distance to Jupiter's centre (599): gfdist LOCMIN",
    "apojove": "local maximum of Juno's distance to Jupiter's centre: gfdist LOCMAX",
    "equator_crossing": "Juno's planetographic latitude crosses 0 (gfposc PLANETOGRAPHIC "
                        "LATITUDE); detail: northward/southward",
    "lat_crossing": "Juno's planetographic latitude crosses a level (every 10 degrees and any "
                    "asked for); detail: the level and the direction",
    "altitude_crossing": "Juno's altitude above the 1-bar ellipsoid (nearest point) crosses a "
                         "threshold (gfposc PLANETOGRAPHIC ALTITUDE); detail: descending/ascending",
    "terminator_crossing": "the solar zenith angle at the sub-spacecraft point (nearest point "
                           "of the ellipsoid) crosses 90 degrees (gfuds); detail: day->night "
                           "or night->day",
    "closest_approach": "local minimum of the range from Juno to a moon (gfdist LOCMIN, light "
                        "time): the smallest in the window for each moon, and every other one "
                        "closer than 1,000,000 km",
    "occultation_start": "the moon starts to pass behind Jupiter as seen from Juno (first "
                         "contact; gfoclt ANY, ellipsoids, light time)",
    "occultation_full_start": "the moon is entirely hidden behind Jupiter (gfoclt FULL)",
    "occultation_full_end": "the moon starts to reappear from behind Jupiter",
    "occultation_end": "the moon is entirely clear of Jupiter's disk again",
    "transit_start": "the moon's disk starts to overlap Jupiter's disk, in front of it "
                     "(gfoclt ANY, moon in front)",
    "transit_full_start": "the moon's disk is entirely inside Jupiter's (gfoclt ANNULAR)",
    "transit_full_end": "the moon's disk starts to leave Jupiter's",
    "transit_end": "the moon's disk is clear of Jupiter's disk again",
    "eclipse_start": "the moon enters Jupiter's penumbra: Jupiter starts to hide the Sun as "
                     "seen from the moon's centre (gfoclt ANY, observer the moon, light time); "
                     "time when Juno sees it",
    "eclipse_full_start": "the moon's centre enters the umbra (the Sun entirely hidden)",
    "eclipse_full_end": "the moon's centre leaves the umbra",
    "eclipse_end": "the moon leaves the penumbra (fully sunlit again)",
}
