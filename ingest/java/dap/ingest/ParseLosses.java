package dap.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;

/**
 * What Spark's JSON parse loses of a record, taken back from its written text:
 *
 * <ul>
 *   <li>numbers a double does not hold. Spark parses every JSON number it types as a double (and
 *       every number it parses as text) through a double, so {@code 3.14159265358979323846}
 *       arrives as {@code 3.141592653589793}, {@code 1e400} as Infinity, and {@code
 *       12345678901234567} beside decimals as {@code 1.2345678901234568E16}, with nothing left to
 *       check against. ingest/transform.py lands such a number from this text instead;
 *   <li>the earlier values of a key written twice in one object ({@code {"a": 1, "a": 2}}):
 *       Spark keeps the last one in the column. ingest/transform.py keeps the others in {@code
 *       _rescued_data}, under {@code repeated:} and the key's path;
 *   <li>a string holding an unpaired UTF-16 surrogate escape ({@code "\ud83d"}, half an emoji, as
 *       a client that cut a string between the two halves writes it): Spark's text is UTF-8, which
 *       has no such character, so it stores {@code ?}. ingest/transform.py keeps the string's
 *       JSON text as written in {@code _rescued_data}, under {@code unpaired:} and its path.
 * </ul>
 *
 * <p>A number is kept by a double when the double, rounded to as many significant digits as the
 * number has (trailing zeros not counted), is the number: {@code 0.1}, a shortest printing of any
 * double, and also {@code 0.10000000000000001} (C's {@code %.17g} of 0.1). Every number of at most
 * 15 significant digits within the normal range is, so only longer or larger ones are checked.
 *
 * <p>The answer maps a place in the record to the text found there (NULL when there is none):
 *
 * <ul>
 *   <li>a number outside any array: its path of keys, to its text;
 *   <li>inside an array (stored as JSON text, or exploded into a child table), inside an object
 *       {@code maxDepth} keys deep (stored as JSON text), or inside an object at the path of a text
 *       column (Spark writes such an object again as text, each of its numbers through a double):
 *       the path of that array or object, to its raw text. A repeated key or an unpaired surrogate
 *       in there marks it too: an exploded array's child rows are parsed from their element's
 *       text, and a text column keeps the text as written;
 *   <li>a key repeated outside them: {@code repeated:} and its path as {@code
 *       ingest.naming.render_path} writes it, to a JSON array of its earlier values' raw texts;
 *   <li>a string with an unpaired surrogate outside them: {@code unpaired:} and its path, to the
 *       string's raw text (quotes and escapes as written). Inside them it marks their text.
 * </ul>
 *
 * <p>{@link #writtenElements} gives an array's elements that hold such a loss, each as its raw
 * text at its index: what a child row of an exploded array, or a record of an array document, is
 * made from.
 *
 * <p>A path is written as a JSON array of its keys, {@code ["a","b"]}, escaped as Python's
 * {@code json.dumps(..., ensure_ascii=False, separators=(",", ":"))} escapes it
 * (ingest/transform.py {@code path_key} builds the same keys).
 */
public final class ParseLosses {

  private ParseLosses() {}

  /** Significant digits every double of the normal range holds (DBL_DIG). */
  static final int SAFE_DIGITS = 15;
  /**
   * A number's decimal exponent is at most its digits plus its exponent's magnitude: below this,
   * it is inside the double's normal range (about 1e-308 to 1e308).
   */
  static final int SAFE_MAGNITUDE = 290;
  /** The start of a repeated key's place in {@link #lost}'s answer (and in _rescued_data). */
  static final String REPEATED = "repeated:";
  /** The start of the place of a string with an unpaired surrogate in {@link #lost}'s answer. */
  static final String UNPAIRED = "unpaired:";

  // Spark's own JSON options (JSONOptions' defaults that ingest keeps): NaN and Infinity are
  // numbers, single quotes are not strings (ingest.read_json sets allowSingleQuotes false).
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /**
   * Could Spark's parse of {@code text} lose something ({@link ParseLosses})? One pass over the
   * bytes:
   *
   * <ul>
   *   <li>a number with more than {@code SAFE_DIGITS} significant digits, or whose digits and
   *       exponent could leave the normal range, is checked there ({@link #heldByDouble}): the 16
   *       and 17 digits of a shortest printing (Python's, JavaScript's) are held, so records of
   *       such doubles need no second parse;
   *   <li>a key is compared with the keys before it in its object, by a hash of its text (its
   *       escapes decoded; a collision only sends the record to the parser);
   *   <li>a string value with a u-escape is checked for an unpaired surrogate ({@link #unpaired}).
   * </ul>
   *
   * (A text that is not JSON may be answered either way; the parser below decides.)
   */
  static boolean mayLose(byte[] text) {
    int n = text.length;
    OpenContainers open = OPEN_CONTAINERS.get().reset();
    int i = 0;
    while (i < n) {
      byte b = text[i];
      if (b == '"') {
        int start = ++i;
        if (open.expectKey) {
          // A key: hashed on the way to its end (keyHash again only if it holds an escape).
          int hash = FNV_BASIS;
          boolean escaped = false;
          while (i < n && text[i] != '"') {
            if (text[i] == '\\') {
              escaped = true;
              i += 2;
            } else {
              hash = fnv(hash, text[i]);
              i++;
            }
          }
          if (!open.addKey(escaped ? keyHash(text, start, Math.min(i, n)) : hash)) {
            return true;
          }
        } else {
          boolean uEscape = false;
          while (i < n && text[i] != '"') {
            if (text[i] == '\\') {
              uEscape |= i + 1 < n && text[i + 1] == 'u';
              i += 2;
            } else {
              i++;
            }
          }
          if (uEscape && unpaired(text, start, Math.min(i, n))) {
            return true;
          }
        }
        i++;
      } else if (b == '{' || b == '[') {
        if (!open.open(b == '{')) {
          return true;
        }
        i++;
      } else if (b == '}' || b == ']') {
        open.close();
        i++;
      } else if (b == ',') {
        open.next();
        i++;
      } else if (isDigit(b) || b == '-') {
        int digits = 0;
        int significant = 0;
        int lastNonZero = -1;
        int firstNonZero = -1;
        int j = b == '-' ? i + 1 : i;
        for (; j < n && (isDigit(text[j]) || text[j] == '.'); j++) {
          if (text[j] != '.') {
            if (text[j] != '0') {
              if (firstNonZero < 0) {
                firstNonZero = digits;
              }
              lastNonZero = digits;
            }
            digits++;
          }
        }
        significant = firstNonZero < 0 ? 0 : lastNonZero - firstNonZero + 1;
        int exponent = 0;
        if (j < n && (text[j] == 'e' || text[j] == 'E')) {
          j++;
          if (j < n && (text[j] == '+' || text[j] == '-')) {
            j++;
          }
          for (; j < n && isDigit(text[j]); j++) {
            exponent = Math.min(exponent * 10 + (text[j] - '0'), 1_000_000);
          }
        }
        boolean checked = significant > SAFE_DIGITS || (significant > 0 && digits + exponent > SAFE_MAGNITUDE);
        if (checked && !heldByDouble(new String(text, i, j - i, StandardCharsets.US_ASCII))) {
          return true;
        }
        i = Math.max(j, i + 1);
      } else {
        i++;
      }
    }
    return false;
  }

  // One per task thread, reused: a record's scan allocates nothing unless an object is WIDE (a
  // sixth of the scan's time on W1). Its arrays keep the size of the deepest, widest record seen.
  private static final ThreadLocal<OpenContainers> OPEN_CONTAINERS = ThreadLocal.withInitial(OpenContainers::new);

  /**
   * The containers open at a point of {@link #mayLose}'s pass, and the keys of each open object
   * as hashes ({@link #keyHash}): compared one by one, from {@code WIDE} keys on through a set.
   */
  private static final class OpenContainers {
    /** Containers nested deeper than this are left to the parser. */
    static final int MAX_DEPTH = 512;
    /** Keys of one object compared one by one, at most (the loop is quadratic in them). */
    static final int WIDE = 64;
    /** The next string is a key: just after an opening brace, or after a comma in an object. */
    boolean expectKey;

    private int depth;
    private boolean[] isObject = new boolean[8];
    private int[] firstKey = new int[8];
    private int[] hashes = new int[32];
    private int top;
    private Map<Integer, Set<Integer>> wide;

    OpenContainers reset() {
      depth = 0;
      top = 0;
      wide = null;
      expectKey = false;
      return this;
    }

    boolean open(boolean object) {
      if (depth == MAX_DEPTH) {
        return false;
      }
      if (depth == isObject.length) {
        isObject = Arrays.copyOf(isObject, depth * 2);
        firstKey = Arrays.copyOf(firstKey, depth * 2);
      }
      isObject[depth] = object;
      firstKey[depth] = top;
      depth++;
      expectKey = object;
      return true;
    }

    void close() {
      if (depth > 0) {
        depth--;
        top = firstKey[depth];
        if (wide != null) {
          wide.remove(depth);
        }
      }
      expectKey = false;
    }

    void next() {
      expectKey = depth > 0 && isObject[depth - 1];
    }

    /**
     * Add the key of this {@link #keyHash} to the innermost object: false if that object may
     * already have it (the parser decides).
     */
    boolean addKey(int hash) {
      expectKey = false;
      int level = depth - 1;
      int count = top - firstKey[level];
      if (count < WIDE) {
        for (int k = firstKey[level]; k < top; k++) {
          if (hashes[k] == hash) {
            return false;
          }
        }
      } else {
        if (wide == null) {
          wide = new HashMap<>();
        }
        Set<Integer> seen = wide.get(level);
        if (seen == null) {
          seen = new HashSet<>();
          for (int k = firstKey[level]; k < top; k++) {
            seen.add(hashes[k]);
          }
          wide.put(level, seen);
        }
        if (!seen.add(hash)) {
          return false;
        }
      }
      if (top == hashes.length) {
        hashes = Arrays.copyOf(hashes, top * 2);
      }
      hashes[top++] = hash;
      return true;
    }
  }

  // FNV-1a, 32 bits: a collision only sends a record to the parser.
  static final int FNV_BASIS = 0x811c9dc5;
  static final int FNV_PRIME = 0x01000193;

  /**
   * FNV-1a of the UTF-8 bytes of the key written at {@code text[start, end)}, its escapes decoded:
   * {@code "a"} and its u-escape, or an emoji as is and as a surrogate pair, hash the same (a lone
   * surrogate hashes as the {@code ?} Spark stores it as). A malformed escape is hashed as written:
   * the parser rejects the record. {@link #mayLose} hashes a key without a backslash on its way
   * to the key's end, the same bytes.
   */
  static int keyHash(byte[] text, int start, int end) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(end - start);
    StringBuilder escaped = new StringBuilder(); // a run of escapes: a surrogate pair is two
    int i = start;
    while (i < end) {
      int decoded = text[i] == '\\' ? unescape(text, i, end) : -1;
      if (decoded < 0) {
        flush(escaped, bytes);
        bytes.write(text[i]);
        i++;
      } else {
        escaped.append((char) decoded);
        i += text[i + 1] == 'u' ? 6 : 2;
      }
    }
    flush(escaped, bytes);
    int hash = FNV_BASIS;
    for (byte b : bytes.toByteArray()) {
      hash = fnv(hash, b);
    }
    return hash;
  }

  /** The escaped characters, as UTF-8 (the JDK's encoder), onto the key's bytes. */
  private static void flush(StringBuilder escaped, ByteArrayOutputStream bytes) {
    byte[] encoded = escaped.toString().getBytes(StandardCharsets.UTF_8);
    bytes.write(encoded, 0, encoded.length);
    escaped.setLength(0);
  }

  static int fnv(int hash, byte b) {
    return (hash ^ (b & 0xff)) * FNV_PRIME;
  }

  /** The character the escape at {@code text[at]} (a backslash) writes; -1 if it is malformed. */
  private static int unescape(byte[] text, int at, int end) {
    if (at + 1 >= end) {
      return -1;
    }
    switch (text[at + 1]) {
      case 'u':
        return hex4(text, at + 2, end);
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      default:
        return text[at + 1] & 0xff; // \" \\ \/ (and, in text that is not JSON, anything)
    }
  }

  /** The four hex digits at {@code text[at]} as a number; -1 if they are not four hex digits. */
  private static int hex4(byte[] text, int at, int end) {
    if (at + 4 > end) {
      return -1;
    }
    int value = 0;
    for (int k = at; k < at + 4; k++) {
      int digit = Character.digit(text[k], 16);
      if (digit < 0) {
        return -1;
      }
      value = value * 16 + digit;
    }
    return value;
  }

  /**
   * Does the string written at {@code text[start, end)} (between its quotes) hold an escape of a
   * UTF-16 surrogate that is not one half of a pair: a high one not followed by a low one's
   * escape, or a low one not after a high one's? (Raw text holds no surrogate: it is UTF-8, and a
   * record that is not is quarantined before.)
   */
  static boolean unpaired(byte[] text, int start, int end) {
    boolean high = false; // the last character was written as a high surrogate's escape
    int i = start;
    while (i < end) {
      boolean uEscape = text[i] == '\\' && i + 1 < end && text[i + 1] == 'u';
      int code = uEscape ? hex4(text, i + 2, end) : -1;
      boolean low = code >= 0xDC00 && code <= 0xDFFF;
      if (high != low) {
        return true;
      }
      high = code >= 0xD800 && code <= 0xDBFF;
      i += code >= 0 ? 6 : text[i] == '\\' ? 2 : 1;
    }
    return high;
  }

  /** Does the double nearest to {@code text} (a JSON number) hold it? See the class comment. */
  static boolean heldByDouble(String text) {
    if (text.endsWith("NaN") || text.endsWith("Infinity")) {
      return true; // Spark's double is what the token says
    }
    BigDecimal written;
    try {
      written = new BigDecimal(text);
    } catch (NumberFormatException | ArithmeticException e) {
      return false; // an exponent beyond an int (1e9999999999): Infinity or 0 as a double
    }
    double nearest = Double.parseDouble(text);
    if (Double.isInfinite(nearest)) {
      return false;
    }
    if (written.signum() == 0) {
      return true;
    }
    if (nearest == 0) {
      return false;
    }
    BigDecimal digits = written.stripTrailingZeros();
    if (new BigDecimal(Double.toString(nearest)).compareTo(digits) == 0) {
      return true; // Java prints the double as this number (the usual case, and cheap)
    }
    BigDecimal rounded =
        new BigDecimal(nearest).round(new MathContext(digits.precision(), RoundingMode.HALF_EVEN));
    return rounded.compareTo(digits) == 0;
  }

  /**
   * What Spark's parse of {@code record} loses, by place (see the class comment); null if none.
   * {@code textPaths}: the paths ({@link #pathKey}) Spark parses as text, an object there included.
   */
  public static Map<String, String> lost(byte[] record, int maxDepth, Set<String> textPaths) {
    Walk walk = walk(record, maxDepth, textPaths);
    if (walk == null || (walk.found.isEmpty() && walk.repeated.isEmpty() && walk.unpaired.isEmpty())) {
      return null;
    }
    Map<String, String> answer = new LinkedHashMap<>();
    walk.found.forEach((path, found) -> answer.putIfAbsent(asStored(pathKey(path)), found));
    Map<String, List<String>> repeated = new LinkedHashMap<>();
    walk.repeated.forEach(
        (path, earlier) ->
            repeated.computeIfAbsent(asStored(REPEATED + renderPath(path)), k -> new ArrayList<>()).addAll(earlier));
    repeated.forEach((key, earlier) -> answer.put(key, "[" + String.join(",", earlier) + "]"));
    walk.unpaired.forEach((path, text) -> answer.putIfAbsent(asStored(UNPAIRED + renderPath(path)), text));
    return answer;
  }

  /**
   * {@code key} as Spark stores it: a lone UTF-16 surrogate (a key written {@code "\\ud800"}) as
   * {@code ?}. Two keys that only such surrogates tell apart are one key in Spark's map (which
   * would refuse them twice), so {@link #lost} merges them.
   */
  static String asStored(String key) {
    return new String(key.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  /**
   * The raw text of each element of the array at {@code arrayPath} (a {@link #pathKey}; {@code []}
   * for a record that is an array: a whole file's array document) that holds a number a double
   * does not hold, a repeated key or an unpaired surrogate, at the element's index, NULL at the
   * others; null if none. An array, so that a row per element finds its own in constant time (a
   * map's lookup walks its keys).
   */
  public static String[] writtenElements(byte[] record, String arrayPath) {
    Walk walk = walk(record, Integer.MAX_VALUE, Collections.<String>emptySet());
    if (walk == null) {
      return null;
    }
    for (Map.Entry<List<String>, Map<Integer, String>> array : walk.elements.entrySet()) {
      if (pathKey(array.getKey()).equals(arrayPath)) {
        int length = 0;
        for (int index : array.getValue().keySet()) {
          length = Math.max(length, index + 1);
        }
        String[] texts = new String[length];
        array.getValue().forEach((index, text) -> texts[index] = text);
        return texts;
      }
    }
    return null;
  }

  /** The record walked, if it may lose something and is a JSON object or array; else null. */
  private static Walk walk(byte[] record, int maxDepth, Set<String> textPaths) {
    if (!mayLose(record)) {
      return null;
    }
    Walk walk = new Walk(record, maxDepth, textPaths);
    try (JsonParser parser = FACTORY.createParser(record)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT && first != JsonToken.START_ARRAY) {
        return null;
      }
      walk.value(parser, new ArrayList<>(), null);
    } catch (IOException e) {
      return null; // not valid JSON: the record is quarantined whole, as written
    }
    return walk;
  }

  /** A container whose raw text stands for every value inside it. */
  private static final class Boundary {
    boolean holdsLoss;
  }

  private static final class Walk {
    final byte[] record;
    final int maxDepth;
    final Set<String> textPaths;
    final Map<List<String>, String> found = new LinkedHashMap<>();
    // Arrays outside any other array: element index -> raw text, for the elements holding one.
    final Map<List<String>, Map<Integer, String>> elements = new LinkedHashMap<>();
    // Keys repeated outside arrays and deep objects: the raw texts of the values before the last.
    final Map<List<String>, List<String>> repeated = new LinkedHashMap<>();
    // Strings with an unpaired surrogate outside arrays and deep objects: their raw texts.
    final Map<List<String>, String> unpaired = new LinkedHashMap<>();
    // Entries put into the four maps so far: a value that added none needs no forget() (which
    // looks through all of them) when its key comes again.
    long recorded;

    Walk(byte[] record, int maxDepth, Set<String> textPaths) {
      this.record = record;
      this.maxDepth = maxDepth;
      this.textPaths = textPaths;
    }

    /**
     * Is the object at {@code path} (outside arrays) kept whole as text? A text path is a column's
     * path as Spark stores its keys (a lone surrogate as {@code ?}).
     */
    boolean keptAsText(List<String> path) {
      return !path.isEmpty()
          && (path.size() >= maxDepth || (!textPaths.isEmpty() && textPaths.contains(asStored(pathKey(path)))));
    }

    String raw(long start, long end) {
      return new String(record, (int) start, (int) (end - start), StandardCharsets.UTF_8);
    }

    /**
     * The value at the parser's current token, at {@code path}: its keys (an array's elements
     * share its path), {@code inside} the container whose raw text stands for it, if any.
     */
    void value(JsonParser parser, List<String> path, Boundary inside) throws IOException {
      JsonToken token = parser.currentToken();
      if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
        String text = parser.getText();
        if (!heldByDouble(text)) {
          if (inside == null) {
            found.put(new ArrayList<>(path), text);
            recorded++;
          } else {
            inside.holdsLoss = true;
          }
        }
      } else if (token == JsonToken.VALUE_STRING) {
        long start = parser.getTokenLocation().getByteOffset();
        parser.finishToken(); // read lazily: its end is known once it is read
        long end = parser.getCurrentLocation().getByteOffset();
        if (unpaired(record, (int) start + 1, (int) end - 1)) {
          if (inside == null) {
            unpaired.put(new ArrayList<>(path), raw(start, end));
            recorded++;
          } else {
            inside.holdsLoss = true;
          }
        }
      } else if (token == JsonToken.START_OBJECT) {
        long start = parser.getTokenLocation().getByteOffset();
        Boundary boundary = inside == null && keptAsText(path) ? new Boundary() : null;
        Boundary within = boundary != null ? boundary : inside;
        // Each key's value so far: its byte offsets, and whether anything was recorded inside it.
        Map<String, long[]> latest = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String key = parser.currentName();
          path.add(key);
          long[] earlier = latest.get(key);
          if (earlier != null && within == null) {
            if (earlier[2] != 0) {
              forget(path); // Spark keeps the last value: what was found in this one no longer lands
            }
            String text = raw(earlier[0], earlier[1]);
            repeated.computeIfAbsent(new ArrayList<>(path), p -> new ArrayList<>()).add(text);
            recorded++;
          } else if (earlier != null) {
            within.holdsLoss = true; // its raw text keeps both
          }
          parser.nextToken();
          long valueStart = parser.getTokenLocation().getByteOffset();
          long recordedBefore = recorded;
          value(parser, path, within);
          parser.finishToken(); // a string is read lazily: its end is known once it is read
          long valueEnd = parser.getCurrentLocation().getByteOffset();
          latest.put(key, new long[] {valueStart, valueEnd, recorded != recordedBefore ? 1 : 0});
          path.remove(path.size() - 1);
        }
        if (boundary != null && boundary.holdsLoss) {
          found.put(new ArrayList<>(path), raw(start, parser.getCurrentLocation().getByteOffset()));
          recorded++;
        }
      } else if (token == JsonToken.START_ARRAY) {
        long start = parser.getTokenLocation().getByteOffset();
        Boundary boundary = inside == null ? new Boundary() : null;
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          if (boundary == null) {
            value(parser, path, inside);
            continue;
          }
          long elementStart = parser.getTokenLocation().getByteOffset();
          Boundary element = new Boundary();
          value(parser, path, element);
          if (element.holdsLoss) {
            boundary.holdsLoss = true;
            String text = raw(elementStart, parser.getCurrentLocation().getByteOffset());
            elements.computeIfAbsent(new ArrayList<>(path), p -> new LinkedHashMap<>()).put(index, text);
            recorded++;
          }
          index++;
        }
        if (boundary != null && boundary.holdsLoss && !path.isEmpty()) {
          found.put(new ArrayList<>(path), raw(start, parser.getCurrentLocation().getByteOffset()));
          recorded++;
        }
      }
    }

    /**
     * Drop what was found at {@code path} and below it: its key was written again, and the earlier
     * value is kept whole as a repeated one.
     */
    void forget(List<String> path) {
      found.keySet().removeIf(p -> startsWith(p, path));
      elements.keySet().removeIf(p -> startsWith(p, path));
      repeated.keySet().removeIf(p -> p.size() > path.size() && startsWith(p, path));
      unpaired.keySet().removeIf(p -> startsWith(p, path));
    }

    static boolean startsWith(List<String> path, List<String> prefix) {
      return path.size() >= prefix.size() && path.subList(0, prefix.size()).equals(prefix);
    }
  }

  /**
   * A path as {@code ingest.naming.render_path} writes it: keys joined by dots, a key that is empty
   * or holds a dot or a backtick in backticks (backticks doubled).
   */
  static String renderPath(List<String> path) {
    StringBuilder text = new StringBuilder();
    for (String key : path) {
      if (text.length() > 0) {
        text.append('.');
      }
      if (key.isEmpty() || key.contains(".") || key.contains("`")) {
        text.append('`').append(key.replace("`", "``")).append('`');
      } else {
        text.append(key);
      }
    }
    return text.toString();
  }

  /** A path as a JSON array, escaped as Python's json.dumps(ensure_ascii=False) escapes. */
  static String pathKey(List<String> path) {
    StringBuilder key = new StringBuilder("[");
    for (String step : path) {
      if (key.length() > 1) {
        key.append(',');
      }
      quote(step, key);
    }
    return key.append(']').toString();
  }

  static void quote(String text, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        out.append("\\\"");
      } else if (c == '\\') {
        out.append("\\\\");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c == '\b') {
        out.append("\\b");
      } else if (c == '\f') {
        out.append("\\f");
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }

  /** SQL {@code dap_may_lose_values(binary)}: {@link #mayLose}; NULL stays NULL. */
  public static final class MayLose implements UDF1<byte[], Boolean> {
    @Override
    public Boolean call(byte[] record) {
      return record == null ? null : mayLose(record);
    }
  }

  /** SQL {@code dap_written_elements(binary, string)}: {@link #writtenElements}; NULL stays NULL. */
  public static final class WrittenElements implements UDF2<byte[], String, String[]> {
    @Override
    public String[] call(byte[] record, String arrayPath) {
      return record == null || arrayPath == null ? null : writtenElements(record, arrayPath);
    }
  }

  /**
   * SQL {@code dap_lost_values(binary, int, string)}: {@link #lost}, the text paths given as their
   * {@link #pathKey}s, one per line (a path key holds no line break: it escapes them); NULL stays
   * NULL.
   */
  public static final class Lost implements UDF3<byte[], Integer, String, Map<String, String>> {
    // The text paths last split, per task thread: a query passes the same literal for every row.
    private static final ThreadLocal<TextPaths> LAST = ThreadLocal.withInitial(TextPaths::new);

    @Override
    public Map<String, String> call(byte[] record, Integer maxDepth, String textPaths) {
      if (record == null || maxDepth == null) {
        return null;
      }
      return lost(record, maxDepth, LAST.get().of(textPaths == null ? "" : textPaths));
    }
  }

  /** Text paths, one path key per line, as a set: the last one split, kept for the next call. */
  private static final class TextPaths {
    private String lines = "";
    private Set<String> paths = Collections.emptySet();

    Set<String> of(String text) {
      if (!text.equals(lines)) {
        lines = text;
        paths =
            text.isEmpty() ? Collections.<String>emptySet() : new HashSet<>(Arrays.asList(text.split("\n")));
      }
      return paths;
    }
  }
}
