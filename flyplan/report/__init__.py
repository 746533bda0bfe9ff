"""Figures and the self-contained HTML report (consumes the engine's DataFrames only)."""
