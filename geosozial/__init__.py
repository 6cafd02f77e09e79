"""geosozial: small-area analysis for German integrated social planning.

Example:
    >>> import geosozial
    >>> geosozial.__version__
    '0.1.0'
"""

__version__ = "0.1.0"
