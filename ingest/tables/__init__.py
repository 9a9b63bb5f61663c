"""The table format: Apache Iceberg tables in the Hive metastore.

``catalog`` configures Spark's session catalog for Iceberg and prepares the metastore's lock
tables; ``commit`` is the exactly-once append; ``lock`` serialises commits across processes;
``maintenance`` compacts and expires; ``snapshots`` lists and rolls back runs; ``rebuild``
registers tables again from storage after the metastore is lost.
"""
