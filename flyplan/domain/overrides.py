"""A scenario with some of its keys replaced from the command line
(``flyplan plan FILE --source model --window -2h..+1h --step 30s``).

The replaced scenario is validated exactly as the file is
(:func:`flyplan.domain.plan.parse_scenario`'s model and consistency checks),
so a bad override is one clear :class:`flyplan.errors.ScenarioError` naming
the option.
"""

from __future__ import annotations

__all__ = ["with_overrides"]


def with_overrides(sc, *, path: str = "<scenario>", source: str | None = None,
                   window: str | None = None, step: str | None = None):
    """``sc`` with ``source``, ``window`` and/or ``step`` replaced (None keeps the file's).

    Raises
    ------
    ScenarioError
        When the result does not validate (e.g. a relative ``--window`` for a
        scenario without a perijove).
    """
    from pydantic import ValidationError

    from flyplan.domain.plan import Scenario, _check_consistency
    from flyplan.errors import ScenarioError

    changes = {k: v for k, v in (("source", source), ("window", window), ("step", step))
               if v is not None}
    if not changes:
        return sc
    data = sc.model_dump(mode="json")
    data.update(changes)
    where = f"{path} with " + ", ".join(f"--{k} {v}" for k, v in changes.items())
    try:
        new = Scenario.model_validate(data)
    except ValidationError as exc:
        msgs = "; ".join(f"--{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ScenarioError(f"{where}: {msgs}", hint="fix the option's value") from None
    _check_consistency(new, "", where)
    return new
