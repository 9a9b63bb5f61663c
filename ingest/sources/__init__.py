"""Where records come from besides a batch run's landing listing: streaming sources.

``landing_stream``: new landing files as Spark's file source offers them; ``kafka``: a source's
topic. ``ingest.stream`` runs one streaming query per source over them.
"""
