"""Pulls: fetch new remote data (REST APIs, FTP, SFTP, other S3 buckets) into the landing zone.

``ingest.pull.runner.pull_sources`` is the entry; one module per protocol (``rest``, ``ftp``,
``sftp``, ``s3sync``), ``files`` drives the file protocols, ``landing_writer`` owns the landing
side (partial files, the pull journal, the atomic rename) and ``mirror`` copies the journal into
``ingest_meta.pulls``. The config models are in ``ingest.pull.config``.
"""
