"""The HTTP collector of the real-time path (``ingest collect``): devices POST JSON lines or a
gzip batch to ``/v1/events/<source>``; every line reaches Kafka before the device gets a 2xx.

Public entry: ``serve`` and ``load_collector_settings`` (``ingest.collect.server``), the ASGI
app ``create_app`` (``ingest.collect.app``). The pure parts: ``lines`` (body -> events and dead
letters), ``tokens`` (fleet bearer tokens); the Kafka part: ``producer``.
"""
