package dap.ingest;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * The first bytes of many files (decompressed where Hadoop knows the codec), read through Hadoop's
 * FileSystem, so the same call serves local paths and s3a:// objects: what CSV header sniffing
 * reads of every file (ingest/read_csv.py read_heads).
 *
 * <p>One call for a whole batch of files, because from Python each file's open, codec lookup, read
 * and close were about 30 py4j round trips: 6 ms a file, a minute for 10,000 small CSV files. The
 * files are read on a few threads, so an object store's per-request latency overlaps.
 *
 * <p>The answer is one byte array, a record per file in the order given: a status byte ({@link
 * #HEAD} or {@link #OPEN_FAILED} or {@link #READ_FAILED}), a 4-byte big-endian length, then that
 * many bytes: the head, or the error's text in UTF-8.
 */
public final class FileHeads {

  private FileHeads() {}

  public static final byte HEAD = 0;
  public static final byte OPEN_FAILED = 1;
  public static final byte READ_FAILED = 2;

  /** What one file gave: a status and its bytes. */
  private static final class Answer {
    final byte status;
    final byte[] bytes;

    Answer(byte status, byte[] bytes) {
      this.status = status;
      this.bytes = bytes;
    }

    static Answer failed(byte status, Throwable error) {
      return new Answer(status, String.valueOf(error).getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The first {@code limit} bytes of each file.
   *
   * @param uris the files, separated by NUL (no path holds one): one string crosses py4j, not an
   *     array built element by element
   * @param threads at most this many files are read at once
   */
  public static byte[] read(String uris, int limit, Configuration conf, int threads)
      throws IOException, InterruptedException {
    String[] names = uris.isEmpty() ? new String[0] : uris.split("\u0000", -1);
    CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, names.length)));
    try {
      List<Future<Answer>> answers = new ArrayList<>(names.length);
      for (String name : names) {
        answers.add(pool.submit(() -> head(new Path(name), limit, conf, codecs)));
      }
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(buffer);
      for (Future<Answer> future : answers) {
        Answer answer;
        try {
          answer = future.get();
        } catch (ExecutionException e) {
          answer = Answer.failed(READ_FAILED, e.getCause());
        }
        out.writeByte(answer.status);
        out.writeInt(answer.bytes.length);
        out.write(answer.bytes);
      }
      out.flush();
      return buffer.toByteArray();
    } finally {
      pool.shutdownNow();
    }
  }

  private static Answer head(Path path, int limit, Configuration conf, CompressionCodecFactory codecs) {
    FSDataInputStream raw;
    try {
      raw = path.getFileSystem(conf).open(path);
    } catch (IOException | RuntimeException e) {
      return Answer.failed(OPEN_FAILED, e);
    }
    try (InputStream in = decompressed(raw, codecs.getCodec(path))) {
      byte[] bytes = new byte[limit];
      int filled = 0;
      while (filled < limit) {
        int n = in.read(bytes, filled, limit - filled);
        if (n < 0) {
          break;
        }
        filled += n;
      }
      if (filled == limit) {
        return new Answer(HEAD, bytes);
      }
      byte[] head = new byte[filled];
      System.arraycopy(bytes, 0, head, 0, filled);
      return new Answer(HEAD, head);
    } catch (IOException | RuntimeException e) {
      return Answer.failed(READ_FAILED, e);
    }
  }

  private static InputStream decompressed(FSDataInputStream raw, CompressionCodec codec)
      throws IOException {
    if (codec == null) {
      return raw;
    }
    try {
      return codec.createInputStream(raw);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }
}
