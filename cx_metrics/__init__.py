"""cx_metrics: the data, the maths and the charts behind the CX/EX dashboard.

Nothing in this package imports streamlit, so every figure can be tested and
reused by the CLI and the slide export.
"""

__version__ = "0.1.0"
