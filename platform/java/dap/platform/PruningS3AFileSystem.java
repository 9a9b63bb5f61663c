package dap.platform;

import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.model.ListObjectsV2Request;
import com.amazonaws.services.s3.model.ListObjectsV2Result;
import com.amazonaws.services.s3.model.S3ObjectSummary;
import java.io.IOException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;

/**
 * S3A for S3 servers backed by a real directory tree (SeaweedFS).
 *
 * <p>SeaweedFS keeps a folder after its last object is deleted, and lists it as a common prefix
 * while S3A's own probes report it missing. Hadoop then sees a deleted table directory as still
 * there (Hive's drop table fails with "Unable to delete directory", the next CREATE TABLE with
 * LOCATION_ALREADY_EXISTS), and committers leave empty {@code _temporary/} trees behind.
 *
 * <p>This class removes those empty folders right after a recursive delete, and after a rename
 * (whose source S3A empties by copy and delete). It deletes a folder only when a listing shows it
 * holds no object; SeaweedFS itself refuses to delete a folder that is not empty.
 */
public class PruningS3AFileSystem extends S3AFileSystem {

  private static final int MAX_DEPTH = 100;

  @Override
  public boolean delete(Path path, boolean recursive) throws IOException {
    boolean deleted = super.delete(path, recursive);
    if (!recursive) {
      return deleted;
    }
    boolean pruned = pruneEmptyFolders(path);
    return deleted || pruned;
  }

  @Override
  public boolean rename(Path source, Path destination) throws IOException {
    boolean renamed = super.rename(source, destination);
    if (renamed) {
      pruneEmptyFolders(source);
    }
    return renamed;
  }

  /** Removes the empty folder tree at {@code path}; true if it found sub-folders to remove. */
  public boolean pruneEmptyFolders(Path path) throws IOException {
    String key = pathToKey(qualify(path));
    if (key.isEmpty() || key.equals("/")) {
      return false; // never the bucket itself
    }
    String folderKey = key.endsWith("/") ? key : key + "/";
    return prune(getAmazonS3ClientForTesting("prune empty folders"), folderKey, 0) != Outcome.ABSENT;
  }

  private enum Outcome { ABSENT, REMOVED, KEPT }

  private Outcome prune(AmazonS3 s3, String folderKey, int depth) throws IOException {
    boolean holdsObjects = false;
    boolean allChildrenRemoved = true;
    boolean seen = false;
    ListObjectsV2Request request =
        new ListObjectsV2Request()
            .withBucketName(getBucket())
            .withPrefix(folderKey)
            .withDelimiter("/");
    ListObjectsV2Result result;
    do {
      result = s3.listObjectsV2(request);
      for (S3ObjectSummary object : result.getObjectSummaries()) {
        seen = true;
        if (!object.getKey().equals(folderKey)) {
          holdsObjects = true;
        }
      }
      for (String child : result.getCommonPrefixes()) {
        seen = true;
        if (child.equals(folderKey)) {
          continue;
        }
        if (depth >= MAX_DEPTH || prune(s3, child, depth + 1) == Outcome.KEPT) {
          allChildrenRemoved = false;
        }
      }
      request.setContinuationToken(result.getNextContinuationToken());
    } while (result.isTruncated());
    if (holdsObjects || !allChildrenRemoved) {
      return Outcome.KEPT;
    }
    // An empty folder lists as nothing under its own prefix; delete it (a no-op if absent).
    deleteObject(folderKey);
    return seen ? Outcome.REMOVED : Outcome.ABSENT;
  }
}
