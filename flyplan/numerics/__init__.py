"""Pure numerics: km, s and radians in, numbers out; no I/O and no SPICE state."""
