"""Local service processes: what the Kafka broker (``ingest.broker``) and the platform's services
(``platform/dap_platform``) share to start, find, probe and stop them (``ingest.services.process``)."""
