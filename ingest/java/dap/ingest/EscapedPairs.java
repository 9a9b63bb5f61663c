package dap.ingest;

import org.apache.spark.sql.api.java.UDF1;

/**
 * A JSON text Spark's parser wrote again (a value kept as JSON text, parsed as text: Jackson's
 * {@code copyCurrentStructure}) with each escaped surrogate pair written as its character.
 *
 * <p>Jackson 2.15's UTF-8 writer, the one pyspark 3.5 bundles, escapes every character outside the
 * Basic Multilingual Plane as a surrogate pair (jackson-core#223): {@code ["😀"]} comes back as
 * {@code ["\uD83D\uDE00"]}. The same JSON value, but a text search for the emoji no longer finds
 * it, and the text grows. Spark's {@code to_json}, which wrote these values before, writes the
 * character itself; so does this. An escape of an unpaired surrogate stays as it is, and an escaped
 * backslash is never taken for the start of an escape.
 */
public final class EscapedPairs {

  private EscapedPairs() {}

  /** {@code json} with each escaped surrogate pair written as its character (see the class). */
  static String joined(String json) {
    int n = json.length();
    StringBuilder out = null;
    int copied = 0; // json[0, copied) is in out already
    int i = json.indexOf('\\');
    while (i >= 0 && i + 1 < n) {
      if (json.charAt(i + 1) != 'u') {
        i = json.indexOf('\\', i + 2); // \" \\ \n ...: the character after it is not an escape's start
        continue;
      }
      int high = hex4(json, i + 2);
      boolean another = i + 12 <= n && json.charAt(i + 6) == '\\' && json.charAt(i + 7) == 'u';
      int low = another ? hex4(json, i + 8) : -1;
      if (high >= 0xD800 && high <= 0xDBFF && low >= 0xDC00 && low <= 0xDFFF) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(json, copied, i).append((char) high).append((char) low);
        copied = i + 12;
        i = json.indexOf('\\', copied);
      } else {
        i = json.indexOf('\\', i + 2);
      }
    }
    return out == null ? json : out.append(json, copied, n).toString();
  }

  /** The four hex digits at {@code text[at]} as a number; -1 if they are not four hex digits. */
  private static int hex4(String text, int at) {
    if (at + 4 > text.length()) {
      return -1;
    }
    int value = 0;
    for (int k = at; k < at + 4; k++) {
      int digit = Character.digit(text.charAt(k), 16);
      if (digit < 0) {
        return -1;
      }
      value = value * 16 + digit;
    }
    return value;
  }

  /** SQL {@code dap_join_escaped_pairs(string)}: {@link #joined}; NULL stays NULL. */
  public static final class Joined implements UDF1<String, String> {
    @Override
    public String call(String json) {
      return json == null ? null : joined(json);
    }
  }
}
