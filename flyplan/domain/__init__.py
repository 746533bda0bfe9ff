"""What flyplan computes: each module a result type and the function that makes it.

:mod:`~flyplan.domain.perijove`, :mod:`~flyplan.domain.events`,
:mod:`~flyplan.domain.plan` (scenario files), :mod:`~flyplan.domain.mission`
(the mission table), :mod:`~flyplan.domain.observe` (Jupiter from the ground).
"""
