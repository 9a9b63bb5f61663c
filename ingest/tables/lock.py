"""A cross-process commit lock per table, held in the Hive metastore.

Iceberg makes each commit atomic, but "which files are already in this table?" followed by
"append these files" is two steps; two runs over the same new files must not both pass the first
step before either commits. The lock is the metastore's own (``HIVE_LOCKS``, the mechanism
Iceberg uses for its commits), taken on a name derived from the table rather than on the table
itself so Iceberg's commit lock inside the critical section does not wait for us. A holder that
dies stops heartbeating and its lock expires after ``hive.txn.timeout`` (see ``catalog``), once
some process calls the metastore's lock housekeeping: with the metastore embedded in the driver,
:func:`start_lock_housekeeping` (every ingest session) and the Thrift Server's listener do. A run
waiting for a lock whose holder was a process of the same machine that no longer runs releases
it at once (``lock_holder``).
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyspark.sql import SparkSession

from ingest import faults
from ingest.errors import StateError
from ingest.storage import hadoop_conf, jvm
from ingest.tables.catalog import LOCK_HEARTBEAT_SECONDS, LOCK_HOUSEKEEPING_SECONDS
from ingest.tables.lock_holder import LockHolder, holder_is_gone, parse_holder, this_process

log = logging.getLogger(__name__)

LOCK_DATABASE = "ingest_meta"
HEARTBEAT_SECONDS = float(LOCK_HEARTBEAT_SECONDS)
_clients: dict[int, Any] = {}
_clients_guard = threading.Lock()


def lock_name(table: str) -> str:
    return "dap_commit_" + hashlib.sha1(table.encode()).hexdigest()[:16]


def _client(spark: SparkSession) -> Any:
    """The session's metastore client for locks, shared by every thread of the process.

    Synchronized (Hive's own proxy, one call at a time): a ``HiveMetaStoreClient`` is not
    thread-safe, and it is used at once by each lock's heartbeat thread and by every thread that
    commits (``ingest stream`` runs one micro-batch thread per source). Against a metastore
    service (``hive.metastore.uris``) two threads on one unsynchronized client interleave their
    calls on one socket and hang (four threads locking at once did, every time).
    """
    key = id(spark)
    with _clients_guard:
        if key not in _clients:
            hive = jvm(spark).org.apache.hadoop.hive
            conf = hive.conf.HiveConf(hadoop_conf(spark), hive.conf.HiveConf._java_lang_class)
            client = hive.metastore.HiveMetaStoreClient(conf)
            _clients[key] = hive.metastore.HiveMetaStoreClient.newSynchronizedClient(client)
        return _clients[key]


def _release_if_holder_is_gone(
    spark: SparkSession, client: Any, table: str, waiting: int, me: LockHolder
) -> None:
    """Release the locks ahead of ``waiting`` whose holder is a process of this machine that no
    longer runs (``lock_holder``), instead of waiting up to ``hive.txn.timeout`` for them."""
    api = jvm(spark).org.apache.hadoop.hive.metastore.api
    query = api.ShowLocksRequest()
    query.setDbname(LOCK_DATABASE)
    query.setTablename(lock_name(table))
    for row in client.showLocks(query).getLocks():
        holder = parse_holder(row.getAgentInfo(), row.getHostname())
        if row.getLockid() == waiting or holder is None or not holder_is_gone(holder, me):
            continue
        client.unlock(row.getLockid())
        log.warning(
            "released the commit lock of %s held by process %d, which no longer runs (killed mid-commit)",
            table,
            holder.pid,
        )


HOUSEKEEPING_SECONDS = float(LOCK_HOUSEKEEPING_SECONDS)
_housekeepers: dict[int, threading.Thread] = {}


def start_lock_housekeeping(spark: SparkSession) -> None:
    """Expire dead processes' metastore locks every ``HOUSEKEEPING_SECONDS`` (a daemon thread).

    Hive 2.3's ``TxnHandler`` deletes locks not heartbeated for ``hive.txn.timeout`` only in
    ``performTimeOuts``, which a standalone metastore server's housekeeping thread calls; with the
    metastore embedded in this driver nobody does, and a process killed while it held a lock (an
    Iceberg commit, ``commit_lock``) would block that table's commits for good. Nothing to do when
    ``hive.metastore.uris`` names a remote metastore (it runs its own housekeeping).
    """
    key = id(spark)
    if key in _housekeepers:
        return
    hive = jvm(spark).org.apache.hadoop.hive
    conf = hive.conf.HiveConf(hadoop_conf(spark), hive.conf.HiveConf._java_lang_class)
    if (conf.get("hive.metastore.uris") or "").strip():
        return
    store = hive.metastore.txn.TxnUtils.getTxnStore(conf)

    def housekeeping() -> None:
        while True:
            time.sleep(HOUSEKEEPING_SECONDS)
            try:
                store.performTimeOuts()
            except Exception as exc:  # the session is gone (py4j) or one round failed: keep trying
                log.debug("expiring dead metastore locks failed: %s", exc)

    thread = threading.Thread(target=housekeeping, name="metastore-lock-housekeeping", daemon=True)
    thread.start()
    _housekeepers[key] = thread


@contextmanager
def commit_lock(spark: SparkSession, table: str, timeout_seconds: float = 900.0) -> Iterator[None]:
    """Hold the exclusive commit lock of ``table`` for the duration of the block."""
    api = jvm(spark).org.apache.hadoop.hive.metastore.api
    client = _client(spark)
    component = api.LockComponent(api.LockType.EXCLUSIVE, api.LockLevel.TABLE, LOCK_DATABASE)
    component.setTablename(lock_name(table))
    components = jvm(spark).java.util.ArrayList()
    components.add(component)
    request = api.LockRequest(components, getpass.getuser(), socket.gethostname())
    me = this_process()
    if me is not None:
        request.setAgentInfo(me.agent_info())  # lets a waiter see that this process is gone
    response = client.lock(request)
    lock_id = response.getLockid()
    deadline = time.monotonic() + timeout_seconds
    waited = False
    while str(response.getState()) != "ACQUIRED":
        if str(response.getState()) not in ("WAITING",) or time.monotonic() > deadline:
            client.unlock(lock_id)
            raise StateError(
                f"could not take the commit lock of {table} ({response.getState()})",
                where=f"metastore lock {LOCK_DATABASE}.{lock_name(table)}",
                hint="another ingest run is committing to this table; retry when it has finished",
            )
        if not waited:
            log.warning("waiting for another run's commit to %s to finish", table)
            waited = True
        if me is not None:
            _release_if_holder_is_gone(spark, client, table, lock_id, me)
        time.sleep(1.0)
        response = client.checkLock(lock_id)
    faults.from_environment().hit("holding_commit_lock")  # the tests' SIGKILL with the lock held
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                client.heartbeat(0, lock_id)
            except Exception:  # the main thread sees the lock's loss at commit time
                log.warning("lost the heartbeat of the commit lock of %s", table)
                return

    beater = threading.Thread(target=heartbeat, name=f"lock-{table}", daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join()
        client.unlock(lock_id)
