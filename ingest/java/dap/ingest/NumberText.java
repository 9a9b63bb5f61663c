package dap.ingest;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;

/**
 * What a CSV value's text could be typed as, in one pass over its UTF-8 bytes: the facts CSV type
 * inference aggregates per column (ingest/transform.py infer_text_types; the patterns are in
 * ingest/typing_rules.py). Without it every value was tested with five regexes, two extracts and,
 * for a double's text, three regex replaces.
 *
 * <p>The answer is one {@code long}: flag bits (below), the integer part's digits in bits 8-31
 * and the fraction's digits in bits 32-55 (both for a plain number only, else 0; capped at
 * 0xFFFFFF, far beyond the 38 digits a decimal holds). Each flag is the whole text matching its
 * pattern from its first to its last byte: unlike the regex's {@code $}, a final line break is
 * not skipped (nor a final CR, CRLF, U+0085, U+2028 or U+2029), so {@code "12\n"} is not an
 * integer (it stays text, kept as written).
 */
public final class NumberText {

  private NumberText() {}

  /** {@code -?(0|[1-9][0-9]{0,17})}: fits a bigint. */
  public static final long INTEGER = 1;
  /** INTEGER, or {@code -?[1-9][0-9]{0,2}(,[0-9]{3}){1,5}}: thousands separators, fits a bigint. */
  public static final long GROUPED_INTEGER = 2;
  /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?}. */
  public static final long DOUBLE = 4;
  /** {@code true} or {@code false}, ASCII case ignored. */
  public static final long BOOLEAN = 8;
  /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?}: a decimal's text. */
  public static final long PLAIN_NUMBER = 16;
  /** A DOUBLE whose value a double holds exactly: at most 15 significant digits, and zero or in
   * the double's normal range. */
  public static final long EXACT_DOUBLE = 32;

  static final int MAX_DIGITS = 0xFFFFFF;
  static final int EXACT_DOUBLE_DIGITS = 15;

  static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /** The facts of one text (see the class comment). */
  public static long facts(byte[] text) {
    int n = text.length;
    long flags = 0;
    if (isBoolean(text)) {
      flags |= BOOLEAN;
    }
    int i = n > 0 && text[0] == '-' ? 1 : 0;
    // the integer part: 0, or a digit 1-9 and more digits
    int intStart = i;
    while (i < n && isDigit(text[i])) {
      i++;
    }
    int intDigits = i - intStart;
    boolean intOk = intDigits == 1 || (intDigits > 1 && text[intStart] != '0');
    if (!intOk) {
      return flags | (isGrouped(text) ? GROUPED_INTEGER : 0);
    }
    if (i == n) {
      if (intDigits <= 18) {
        flags |= INTEGER | GROUPED_INTEGER;
      }
      return flags | DOUBLE | PLAIN_NUMBER | exactDouble(text, n) | digits(intDigits, 0);
    }
    int scale = 0;
    if (text[i] == '.') {
      int fractionStart = ++i;
      while (i < n && isDigit(text[i])) {
        i++;
      }
      scale = i - fractionStart;
      if (scale == 0) {
        return flags;
      }
      if (i == n) {
        return flags | DOUBLE | PLAIN_NUMBER | exactDouble(text, n) | digits(intDigits, scale);
      }
    }
    if (text[i] == 'e' || text[i] == 'E') {
      int mantissaEnd = i++;
      if (i < n && (text[i] == '-' || text[i] == '+')) {
        i++;
      }
      int exponentStart = i;
      while (i < n && isDigit(text[i])) {
        i++;
      }
      if (i == n && i > exponentStart) {
        return flags | DOUBLE | exactDouble(text, mantissaEnd);
      }
      return flags;
    }
    return flags | (scale == 0 && isGrouped(text) ? GROUPED_INTEGER : 0);
  }

  static long digits(int integerDigits, int scale) {
    return ((long) Math.min(integerDigits, MAX_DIGITS) << 8) | ((long) Math.min(scale, MAX_DIGITS) << 32);
  }

  /** {@code -?[1-9][0-9]{0,2}(,[0-9]{3}){1,5}}. */
  static boolean isGrouped(byte[] text) {
    int n = text.length;
    int i = n > 0 && text[0] == '-' ? 1 : 0;
    int start = i;
    while (i < n && isDigit(text[i])) {
      i++;
    }
    int lead = i - start;
    if (lead < 1 || lead > 3 || text[start] == '0') {
      return false;
    }
    int groups = 0;
    while (i < n) {
      if (text[i] != ',' || i + 3 >= n || !isDigit(text[i + 1]) || !isDigit(text[i + 2]) || !isDigit(text[i + 3])) {
        return false;
      }
      i += 4;
      groups++;
    }
    return groups >= 1 && groups <= 5;
  }

  static boolean isBoolean(byte[] text) {
    String word = text.length == 4 ? "true" : text.length == 5 ? "false" : null;
    if (word == null) {
      return false;
    }
    for (int i = 0; i < text.length; i++) {
      int lower = text[i] >= 'A' && text[i] <= 'Z' ? text[i] + ('a' - 'A') : text[i];
      if (lower != word.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * EXACT_DOUBLE for a DOUBLE's text whose mantissa ends at {@code mantissaEnd}: its significant
   * digits (leading and trailing zeros of the mantissa's digits not counted) at most 15, and its
   * value zero or within the double's normal range (DOUBLE_MIN_NORMAL to DOUBLE_MAX in
   * ingest/typing_rules.py).
   */
  static long exactDouble(byte[] text, int mantissaEnd) {
    int first = -1;
    int last = -1;
    int count = 0;
    for (int i = 0; i < mantissaEnd; i++) {
      if (isDigit(text[i])) {
        if (text[i] != '0') {
          if (first < 0) {
            first = count;
          }
          last = count;
        }
        count++;
      }
    }
    int significant = first < 0 ? 0 : last - first + 1;
    if (significant > EXACT_DOUBLE_DIGITS) {
      return 0;
    }
    if (significant == 0) {
      return EXACT_DOUBLE;
    }
    double magnitude = Math.abs(Double.parseDouble(new String(text, StandardCharsets.US_ASCII)));
    return magnitude >= Double.MIN_NORMAL && magnitude <= Double.MAX_VALUE ? EXACT_DOUBLE : 0;
  }

  /** SQL {@code dap_number_text(binary)}: {@link #facts}; NULL stays NULL. */
  public static final class Facts implements UDF1<byte[], Long> {
    @Override
    public Long call(byte[] text) {
      return text == null ? null : facts(text);
    }
  }

  /**
   * Do two texts write the same number (as {@link BigDecimal} reads them: {@code 12345678} and
   * {@code 1.2345678E7}, {@code 2.50} and {@code 2.5})? False when either is not a number in
   * that grammar (a space around it, {@code NaN}, {@code 1d}). Spark shows a double from 10^7
   * up, and a small decimal, in E-notation, which a comparison of texts would take for another
   * value.
   */
  public static boolean sameNumber(String a, String b) {
    try {
      return new BigDecimal(a).compareTo(new BigDecimal(b)) == 0;
    } catch (NumberFormatException | ArithmeticException e) {
      return false;
    }
  }

  /** {@code dap_same_number(a, b)}: {@link #sameNumber}, null when either is null. */
  public static final class SameNumber implements UDF2<String, String, Boolean> {
    @Override
    public Boolean call(String a, String b) {
      return a == null || b == null ? null : sameNumber(a, b);
    }
  }
}
