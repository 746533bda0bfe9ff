"""Everything about kernel files, below the domain and never importing it.

Where the cache is (:mod:`flyplan.paths`) sits lower still, so that the built-in
ephemerides can write into it.

- :mod:`~flyplan.kernels.files`: what a file is (kind, sha256, damaged SPK segments).
- :mod:`~flyplan.kernels.registry`: NAIF's file names, the registry and listings.
- :mod:`~flyplan.kernels.builtin`: flyplan's own kernels (constants, leap seconds, DE421).
- :mod:`~flyplan.kernels.fetch`: downloads, verified, into the cache.
- :mod:`~flyplan.kernels.select`: the one chooser (which file serves body B over a span),
  for downloads and for loading.
- :mod:`~flyplan.kernels.cache`: what a window needs, fetching it, the cache's status
  and cleaning.
- :mod:`~flyplan.kernels.assemble`: the kernels loaded for a request (:class:`KernelSelection`).
- :mod:`~flyplan.kernels.pool`: :class:`KernelSet` and the contexts that alone change
  SPICE's global state (the kernel pool, the Geometry Finder tolerance).
"""
