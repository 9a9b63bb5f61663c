package dap.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file:}, {@code fs.file.impl}), setting a new file's or
 * directory's permission through Java instead of a {@code chmod} process.
 *
 * <p>Without Hadoop's native library (pyspark ships none), {@code RawLocalFileSystem} runs
 * {@code chmod} for every file and directory it creates: each data file, its checksum file, each
 * Iceberg manifest, manifest list and metadata file. A tiny ingest run in a warm session started
 * about 80 such processes; in a loop of empty Iceberg commits a quarter of the driver's samples
 * were in the process spawn (bench/RESULTS.md, session 51). The permission set is the same: the
 * mode Hadoop computed (after its umask), applied with {@code Files.setPosixFilePermissions}. A
 * sticky bit (which NIO cannot set), a file or folder with a set-ID bit (which chmod keeps and
 * NIO would clear), or the native library when it is there, takes Hadoop's own path.
 *
 * <p>It also names a file's checksum file so that a colon in the file's name works (below).
 */
public final class LocalFileSystemWithoutShell extends LocalFileSystem {

  public LocalFileSystemWithoutShell() {
    super(new Raw());
  }

  /**
   * {@code .<name>.crc} beside {@code file}, as Hadoop names it, built without parsing the name.
   * Hadoop's own {@code new Path(parent, "." + name + ".crc")} parses the name as a path string,
   * which takes everything before a colon for a URI scheme: every read of
   * {@code events_2026-01-05T10:00:00Z.jsonl}, a file name devices and exporters often write,
   * failed with "Relative path in absolute URI", and with it the whole source. A path made from
   * its parts, as Hadoop's own directory listing makes a child's, takes the name as it is.
   */
  @Override
  public Path getChecksumFile(Path file) {
    return new Path(file.getParent(), new Path(null, null, "." + file.getName() + ".crc"));
  }

  /** The raw (checksum-less) local file system under it. */
  public static final class Raw extends RawLocalFileSystem {

    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      java.nio.file.Path file = pathToFile(p).toPath();
      if (permission.getStickyBit() || NativeIO.isAvailable() || hasSetIdBits(file)) {
        super.setPermission(p, permission);
        return;
      }
      Files.setPosixFilePermissions(file, posix(permission));
    }
  }

  /**
   * Does {@code file} carry a set-user-ID or set-group-ID bit (a folder made in a team folder
   * with {@code chmod g+s} inherits it)? {@code chmod} with four octal digits keeps them on a
   * folder, chmod(2), which java.nio calls, clears them: such a file takes Hadoop's path.
   */
  static boolean hasSetIdBits(java.nio.file.Path file) throws IOException {
    return (((Integer) Files.getAttribute(file, "unix:mode")) & 06000) != 0;
  }

  static Set<PosixFilePermission> posix(FsPermission permission) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    add(set, permission.getUserAction(), PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    add(set, permission.getGroupAction(), PosixFilePermission.GROUP_READ,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE);
    add(set, permission.getOtherAction(), PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    return set;
  }

  private static void add(
      Set<PosixFilePermission> set,
      FsAction action,
      PosixFilePermission read,
      PosixFilePermission write,
      PosixFilePermission execute) {
    if (action.implies(FsAction.READ)) {
      set.add(read);
    }
    if (action.implies(FsAction.WRITE)) {
      set.add(write);
    }
    if (action.implies(FsAction.EXECUTE)) {
      set.add(execute);
    }
  }
}
