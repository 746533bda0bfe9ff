"""flyplan's own ephemerides: the Galilean moons and a Juno trajectory model.

Each is computed with numpy and written as an SPK into the cache, so that the
geometry engine reads it through SPICE like any NAIF kernel.
"""
