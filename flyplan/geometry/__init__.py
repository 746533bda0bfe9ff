"""Vectorized geometry on loaded kernels.

- :mod:`~flyplan.geometry.samples`: the per-sample table (Juno, Jupiter, the moons).
- :mod:`~flyplan.geometry.junocam`: JunoCam's swath, IFOV and attitude model.
- :mod:`~flyplan.geometry.earth`: the Earth side (light time, ERT; skyfield).
"""
