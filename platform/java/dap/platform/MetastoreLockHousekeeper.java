package dap.platform;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.txn.TxnUtils;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkFirehoseListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Expires the metastore locks of dead processes, in a Spark driver that embeds the Hive metastore.
 *
 * <p>Iceberg's Hive catalog takes a {@code HIVE_LOCKS} lock for every commit and heartbeats it. A
 * process killed mid-commit leaves its lock behind, and Hive 2.3's {@code TxnHandler} deletes locks
 * whose heartbeat is older than {@code hive.txn.timeout} only in {@code performTimeOuts()}, which
 * only a standalone metastore server's housekeeping thread calls: with the metastore embedded in
 * the driver (the Thrift Server, ingest) nobody does, so the lock stays forever and every later
 * commit to that table waits out {@code iceberg.hive.lock-timeout-ms} and fails. This listener
 * (set in {@code spark.extraListeners}) does that housekeeping every 15 s. Nothing is done when {@code hive.metastore.uris} names a remote metastore.
 */
public final class MetastoreLockHousekeeper extends SparkFirehoseListener {
  private static final Logger LOG = LoggerFactory.getLogger(MetastoreLockHousekeeper.class);
  private static final String PREFIX = "spark.hadoop.";

  public MetastoreLockHousekeeper(SparkConf sparkConf) {
    final HiveConf conf = new HiveConf();
    for (Tuple2<String, String> entry : sparkConf.getAll()) {
      if (entry._1().startsWith(PREFIX)) {
        conf.set(entry._1().substring(PREFIX.length()), entry._2());
      }
    }
    String uris = conf.get("hive.metastore.uris", "");
    if (!uris.trim().isEmpty()) {
      LOG.info("remote metastore {}: it expires dead locks itself", uris);
      return;
    }
    long period = 15L; // LOCK_HOUSEKEEPING_SECONDS in ingest/tables/catalog.py
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "dap-metastore-lock-housekeeper");
              thread.setDaemon(true);
              return thread;
            });
    executor.scheduleWithFixedDelay(
        () -> {
          try {
            TxnUtils.getTxnStore(conf).performTimeOuts();
          } catch (Throwable e) { // never let one failed round stop the next
            LOG.warn("expiring dead metastore locks failed: {}", e.toString());
          }
        },
        // The first round runs at once, while the server starts (and PostgreSQL is up, as the
        // server's start needs it): it initialises Hive's TxnHandler, which keeps a failed first
        // initialisation for the JVM's life (its pool set, its SQL generator null, every later
        // lock an NPE). A first round 15 s later once met a PostgreSQL restart and broke the
        // Thrift Server's locks for good.
        0L,
        period,
        TimeUnit.SECONDS);
    LOG.info("expiring metastore locks idle longer than hive.txn.timeout, every {} s", period);
  }
}
