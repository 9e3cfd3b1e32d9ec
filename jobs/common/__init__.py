"""Shared helpers of the Spark jobs: schema v1, session builder, lake I/O, validation, summary.

Shipped to EMR as ``common.zip`` (``--py-files``); import as ``from common.<module> import ...``.
"""
