package dap.ingest;

import org.apache.spark.sql.api.java.UDF1;

/**
 * Two questions about a JSON record's text that Spark has no single expression for, each answered
 * in one pass over the record's UTF-8 bytes (ingest/jvm_functions.py registers them as SQL functions).
 *
 * <p>Both only look for ASCII characters: in UTF-8 no byte of a multi-byte character is below
 * 0x80, so scanning bytes finds exactly the characters a scan of the decoded text would. The
 * whitespace is Java's regex {@code \s}: space, tab, LF, vertical tab, form feed, CR.
 */
public final class JsonText {

  private JsonText() {}

  static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == 0x0b || b == '\f' || b == '\r';
  }

  /**
   * Does the text contain {@code ""}, or a {@code [} or <code>{</code> followed by nothing but
   * whitespace up to its closing bracket? The same answer as the regex
   * <code>""|\[\s*\]|\{\s*\}</code> (ingest/empty_values.py MAY_HOLD_EMPTY), without trying three
   * branches at every character.
   */
  public static boolean mayHoldEmpty(byte[] text) {
    int n = text.length;
    for (int i = 0; i < n - 1; i++) {
      byte b = text[i];
      if (b == '"') {
        if (text[i + 1] == '"') {
          return true;
        }
      } else if (b == '[' || b == '{') {
        byte closer = b == '[' ? (byte) ']' : (byte) '}';
        int j = i + 1;
        while (j < n && isWhitespace(text[j])) {
          j++;
        }
        if (j < n && text[j] == closer) {
          return true;
        }
        i = j - 1; // the whitespace just skipped holds no bracket or quote
      }
    }
    return false;
  }

  /**
   * Is there anything but whitespace after the end of the text's first JSON object or array?
   *
   * <p>Spark's JSON parser stops at the end of the first value and ignores what follows
   * (<code>{"a":1} #</code>, <code>{}}</code>): this finds such text. False when the text does not
   * start (after whitespace) with a bracket, or when its first value never ends: the parser
   * reports those itself.
   */
  public static boolean textAfterFirstValue(byte[] text) {
    int end = firstValueEnd(text);
    if (end < 0) {
      return false;
    }
    for (int j = end; j < text.length; j++) {
      if (!isWhitespace(text[j])) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where the text's first JSON object or array ends (the index after its closing bracket), or -1
   * when the text does not start (after whitespace) with a bracket or the value never ends.
   *
   * <p>The value ends where its opening bracket is balanced, counting brackets outside string
   * literals only (a backslash escapes the next byte inside one). Brackets alone decide, not the
   * JSON grammar, so the independent record count (ingest/formats/record_count.py) can decide the
   * same without a parser.
   */
  public static int firstValueEnd(byte[] text) {
    int n = text.length;
    int i = 0;
    while (i < n && isWhitespace(text[i])) {
      i++;
    }
    if (i == n || (text[i] != '{' && text[i] != '[')) {
      return -1;
    }
    int depth = 0;
    boolean inString = false;
    for (; i < n; i++) {
      byte b = text[i];
      if (inString) {
        if (b == '\\') {
          i++;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        depth++;
      } else if (b == '}' || b == ']') {
        depth--;
        if (depth == 0) {
          return i + 1;
        }
      }
    }
    return -1;
  }

  /** SQL {@code dap_may_hold_empty(binary)}: {@link #mayHoldEmpty}; NULL stays NULL. */
  public static final class MayHoldEmpty implements UDF1<byte[], Boolean> {
    @Override
    public Boolean call(byte[] text) {
      return text == null ? null : mayHoldEmpty(text);
    }
  }

  /** SQL {@code dap_text_after_first_value(binary)}: {@link #textAfterFirstValue}; NULL stays NULL. */
  public static final class TextAfterFirstValue implements UDF1<byte[], Boolean> {
    @Override
    public Boolean call(byte[] text) {
      return text == null ? null : textAfterFirstValue(text);
    }
  }

  /** SQL {@code dap_first_value_ends(binary)}: does {@link #firstValueEnd} find an end; NULL stays NULL. */
  public static final class FirstValueEnds implements UDF1<byte[], Boolean> {
    @Override
    public Boolean call(byte[] text) {
      return text == null ? null : firstValueEnd(text) >= 0;
    }
  }
}
