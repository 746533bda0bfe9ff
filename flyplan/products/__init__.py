"""What users get: serialization, terminal tables, CSV/JSON files and HTML pages.

Results are data; everything here is a function of a result.
"""
