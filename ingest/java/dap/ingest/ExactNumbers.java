package dap.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;

/**
 * The JSON numbers of a record that a double cannot hold, as written: Spark parses every JSON
 * number it types as a double (and every number it parses as text) through a double, so
 * {@code 3.14159265358979323846} arrives as {@code 3.141592653589793}, {@code 1e400} as Infinity,
 * and {@code 12345678901234567} beside decimals as {@code 1.2345678901234568E16}, with nothing
 * left to check against. ingest/transform.py lands such a number from this text instead.
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
 *   <li>inside an array (stored as JSON text, or exploded into a child table), or inside an object
 *       {@code maxDepth} keys deep (stored as JSON text): the path of that array or object, to its
 *       raw text.
 * </ul>
 *
 * <p>{@link #exactElements} gives an array's elements that hold one, each as its raw text at its
 * index: what a child row of an exploded array, or a record of an array document, is made from.
 *
 * <p>A path is written as a JSON array of its keys, {@code ["a","b"]}, escaped as Python's
 * {@code json.dumps(..., ensure_ascii=False, separators=(",", ":"))} escapes it
 * (ingest/transform.py {@code path_key} builds the same keys).
 */
public final class ExactNumbers {

  private ExactNumbers() {}

  /** Significant digits every double of the normal range holds (DBL_DIG). */
  static final int SAFE_DIGITS = 15;
  /**
   * A number's decimal exponent is at most its digits plus its exponent's magnitude: below this,
   * it is inside the double's normal range (about 1e-308 to 1e308).
   */
  static final int SAFE_MAGNITUDE = 290;

  // Spark's own JSON options (JSONOptions' defaults that ingest keeps): NaN and Infinity are
  // numbers, single quotes are not strings (ingest.read_json sets allowSingleQuotes false).
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /**
   * Could a number outside the strings of {@code text} be one a double does not hold? One pass
   * over the bytes; a number with more than {@code SAFE_DIGITS} significant digits, or whose
   * digits and exponent could leave the normal range, is checked there ({@link #heldByDouble}):
   * the 16 and 17 digits of a shortest printing (Python's, JavaScript's) are held, so records of
   * such doubles need no second parse. (A text that is not JSON may be answered either way; the
   * parser below decides.)
   */
  static boolean mayHoldInexact(byte[] text) {
    int n = text.length;
    int i = 0;
    while (i < n) {
      byte b = text[i];
      if (b == '"') {
        i++;
        while (i < n && text[i] != '"') {
          i += text[i] == '\\' ? 2 : 1;
        }
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

  /** The texts of {@code record}'s numbers a double does not hold, by place; null if none. */
  public static Map<String, String> inexact(byte[] record, int maxDepth) {
    Walk walk = walk(record, maxDepth);
    if (walk == null || walk.found.isEmpty()) {
      return null;
    }
    Map<String, String> answer = new LinkedHashMap<>();
    walk.found.forEach((path, found) -> answer.put(pathKey(path), found));
    return answer;
  }

  /**
   * The raw text of each element of the array at {@code arrayPath} (a {@link #pathKey}; {@code []}
   * for a record that is an array: a whole file's array document) that holds a number a double
   * does not hold, at the element's index, NULL at the others; null if none. An array, so that a
   * row per element finds its own in constant time (a map's lookup walks its keys).
   */
  public static String[] exactElements(byte[] record, String arrayPath) {
    Walk walk = walk(record, Integer.MAX_VALUE);
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

  /** The record walked, if it may hold such a number and is a JSON object or array; else null. */
  private static Walk walk(byte[] record, int maxDepth) {
    if (!mayHoldInexact(record)) {
      return null;
    }
    Walk walk = new Walk(record, maxDepth);
    try (JsonParser parser = FACTORY.createParser(record)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT && first != JsonToken.START_ARRAY) {
        return null;
      }
      walk.value(parser, new ArrayList<>(), 0, null);
    } catch (IOException e) {
      return null; // not valid JSON: the record is quarantined whole, as written
    }
    return walk;
  }

  /** A container whose raw text stands for every number inside it. */
  private static final class Boundary {
    boolean holdsInexact;
  }

  private static final class Walk {
    final byte[] record;
    final int maxDepth;
    final Map<List<String>, String> found = new LinkedHashMap<>();
    // Arrays outside any other array: element index -> raw text, for the elements holding one.
    final Map<List<String>, Map<Integer, String>> elements = new LinkedHashMap<>();

    Walk(byte[] record, int maxDepth) {
      this.record = record;
      this.maxDepth = maxDepth;
    }

    String raw(long start, long end) {
      return new String(record, (int) start, (int) (end - start), StandardCharsets.UTF_8);
    }

    /** The value at the parser's current token, at {@code path} ({@code keys} of it are keys). */
    void value(JsonParser parser, List<String> path, int keys, Boundary inside) throws IOException {
      JsonToken token = parser.currentToken();
      if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
        String text = parser.getText();
        if (!heldByDouble(text)) {
          if (inside == null) {
            found.put(new ArrayList<>(path), text);
          } else {
            inside.holdsInexact = true;
          }
        }
      } else if (token == JsonToken.START_OBJECT) {
        long start = parser.getTokenLocation().getByteOffset();
        Boundary boundary = inside == null && keys >= maxDepth && !path.isEmpty() ? new Boundary() : null;
        Boundary within = boundary != null ? boundary : inside;
        Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String key = parser.currentName();
          path.add(key);
          if (!seen.add(key) && within == null) {
            forget(path); // a repeated key: Spark keeps its last value
          }
          parser.nextToken();
          value(parser, path, keys + 1, within);
          path.remove(path.size() - 1);
        }
        if (boundary != null && boundary.holdsInexact) {
          found.put(new ArrayList<>(path), raw(start, parser.getCurrentLocation().getByteOffset()));
        }
      } else if (token == JsonToken.START_ARRAY) {
        long start = parser.getTokenLocation().getByteOffset();
        Boundary boundary = inside == null ? new Boundary() : null;
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          if (boundary == null) {
            value(parser, path, keys, inside);
            continue;
          }
          long elementStart = parser.getTokenLocation().getByteOffset();
          Boundary element = new Boundary();
          value(parser, path, keys, element);
          if (element.holdsInexact) {
            boundary.holdsInexact = true;
            String text = raw(elementStart, parser.getCurrentLocation().getByteOffset());
            elements.computeIfAbsent(new ArrayList<>(path), p -> new LinkedHashMap<>()).put(index, text);
          }
          index++;
        }
        if (boundary != null && boundary.holdsInexact && !path.isEmpty()) {
          found.put(new ArrayList<>(path), raw(start, parser.getCurrentLocation().getByteOffset()));
        }
      }
    }

    /** Drop what was found at {@code path} and below it (its key was written again). */
    void forget(List<String> path) {
      found.keySet().removeIf(p -> p.size() >= path.size() && p.subList(0, path.size()).equals(path));
      elements.keySet().removeIf(p -> p.size() >= path.size() && p.subList(0, path.size()).equals(path));
    }
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

  /** SQL {@code dap_may_hold_inexact(binary)}: {@link #mayHoldInexact}; NULL stays NULL. */
  public static final class MayHoldInexact implements UDF1<byte[], Boolean> {
    @Override
    public Boolean call(byte[] record) {
      return record == null ? null : mayHoldInexact(record);
    }
  }

  /** SQL {@code dap_exact_elements(binary, string)}: {@link #exactElements}; NULL stays NULL. */
  public static final class ExactElements implements UDF2<byte[], String, String[]> {
    @Override
    public String[] call(byte[] record, String arrayPath) {
      return record == null || arrayPath == null ? null : exactElements(record, arrayPath);
    }
  }

  /** SQL {@code dap_inexact_numbers(binary, int)}: {@link #inexact}; NULL stays NULL. */
  public static final class Inexact implements UDF2<byte[], Integer, Map<String, String>> {
    @Override
    public Map<String, String> call(byte[] record, Integer maxDepth) {
      return record == null || maxDepth == null ? null : inexact(record, maxDepth);
    }
  }
}
