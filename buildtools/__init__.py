"""Build-time fitting code: the Juno table builder and the Galilean-moon fit.

The runtime package never imports this; ``scripts/`` and the tests do.
"""
