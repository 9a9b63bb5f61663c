package dap.ingest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.spark.sql.api.java.UDF2;

/**
 * An epoch time written as a number (a JSON number as Spark writes it again, or numeric text) as
 * microseconds since 1970-01-01 UTC, exactly: the partition date of a source whose {@code
 * partition.format} is {@code epoch_s}, {@code epoch_ms}, {@code epoch_us} or {@code epoch_ns}
 * ({@code ingest/event_time.py}).
 *
 * <p>{@link BigDecimal} reads every form a number is written in ({@code 1767225600}, {@code
 * 1767225600.5}, {@code 1.7672256005E9}, {@code -1}) without a double's rounding: a nanosecond
 * count such as {@code 1767225599999999999} stays in its day, where a double would round it into
 * the next. Spark's decimal arithmetic would round too, wherever a product's scale passes 38 digits.
 */
public final class EpochTime {

  /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the timestamps Spark and a date hold. */
  static final BigDecimal FIRST = BigDecimal.valueOf(-62_135_596_800_000_000L);

  static final BigDecimal LAST = BigDecimal.valueOf(253_402_300_800_000_000L - 1);

  /**
   * Longer texts, or exponents past this, are no time: {@code 1e-999999999} would make {@link
   * BigDecimal} work for seconds, or fail, on one value.
   */
  static final int MAX_LENGTH = 64;

  static final int MAX_SCALE = 64;

  private EpochTime() {}

  /**
   * The microseconds since 1970 that {@code text} writes in units of 10^-{@code digits} seconds,
   * rounded down (6: seconds, 3: milliseconds, 0: microseconds, -3: nanoseconds); null when it is
   * no number, or no time between the years 1 and 9999.
   */
  static Long micros(String text, int digits) {
    if (text == null) {
      return null;
    }
    String number = text.trim();
    if (number.isEmpty() || number.length() > MAX_LENGTH) {
      return null;
    }
    BigDecimal value;
    try {
      value = new BigDecimal(number);
    } catch (NumberFormatException notANumber) {
      return null;
    }
    if (Math.abs(value.scale()) > MAX_SCALE) {
      return null;
    }
    BigDecimal micros = value.movePointRight(digits).setScale(0, RoundingMode.FLOOR);
    if (micros.compareTo(FIRST) < 0 || micros.compareTo(LAST) > 0) {
      return null;
    }
    return micros.longValueExact();
  }

  /** {@code dap_epoch_micros(text, digits)}: {@link #micros}. */
  public static final class Micros implements UDF2<String, Integer, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long call(String text, Integer digits) {
      return digits == null ? null : micros(text, digits);
    }
  }
}
