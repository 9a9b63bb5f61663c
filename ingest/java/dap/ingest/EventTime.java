package dap.ingest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.api.java.UDF2;

/**
 * A record's event time as microseconds since 1970-01-01 UTC, for its partition date ({@code
 * partition.format} in {@code ingest/event_time.py}), from an epoch count or a date pattern.
 *
 * <p>An epoch count ({@code epoch_s} ... {@code epoch_ns}) is read by {@link BigDecimal}, which
 * takes every form a number is written in ({@code 1767225600}, {@code 1767225600.5}, {@code
 * 1.7672256005E9}, {@code -1}) without a double's rounding: a nanosecond count such as {@code
 * 1767225599999999999} stays in its day, where a double would round it into the next. Spark's
 * decimal arithmetic would round too, wherever a product's scale passes 38 digits.
 *
 * <p>A pattern ({@code dd/MM/yyyy HH:mm}) is a {@link DateTimeFormatter} pattern, month and day
 * names in English, read strictly ({@link #formatter}): a time without an offset or zone is UTC, a
 * date alone its midnight. java.time
 * parses it here, not Spark's {@code to_timestamp}, which under Spark 3's default parser policy
 * fails the whole job on a value the legacy parser would have read differently.
 */
public final class EventTime {

  /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the timestamps Spark and a date hold. */
  static final BigDecimal FIRST = BigDecimal.valueOf(-62_135_596_800_000_000L);

  static final BigDecimal LAST = BigDecimal.valueOf(253_402_300_800_000_000L - 1);

  /**
   * Longer texts, or exponents past this, are no time: {@code 1e-999999999} would make {@link
   * BigDecimal} work for seconds, or fail, on one value.
   */
  static final int MAX_LENGTH = 64;

  static final int MAX_SCALE = 64;

  private static final Map<String, DateTimeFormatter> FORMATTERS = new ConcurrentHashMap<>();

  private EventTime() {}

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

  /**
   * {@code pattern} as a formatter (English names); IllegalArgumentException if it is none. Strict:
   * {@code 2026-02-31} is no date (the default resolver would make it 2026-02-28), and a day name
   * must be that date's; {@code yyyy} years are of the common era, as everyone writes them.
   */
  public static DateTimeFormatter formatter(String pattern) {
    return FORMATTERS.computeIfAbsent(
        pattern,
        p ->
            new DateTimeFormatterBuilder()
                .appendPattern(p)
                .parseDefaulting(ChronoField.ERA, 1)
                .toFormatter(Locale.ENGLISH)
                .withResolverStyle(ResolverStyle.STRICT));
  }

  /**
   * The microseconds since 1970 of the time {@code text} writes in {@code pattern} (see the class);
   * null when it does not fit the pattern, or is no time between the years 1 and 9999.
   */
  static Long patternMicros(String text, String pattern) {
    if (text == null || pattern == null || text.length() > MAX_LENGTH) {
      return null;
    }
    Instant instant;
    try {
      TemporalAccessor parsed =
          formatter(pattern)
              .parseBest(text.trim(), ZonedDateTime::from, LocalDateTime::from, LocalDate::from);
      if (parsed instanceof ZonedDateTime) {
        instant = ((ZonedDateTime) parsed).toInstant();
      } else if (parsed instanceof LocalDateTime) {
        instant = ((LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
      } else {
        instant = ((LocalDate) parsed).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
    } catch (DateTimeException | IllegalArgumentException notATime) {
      return null; // DateTimeParseException is a DateTimeException
    }
    BigDecimal micros = BigDecimal.valueOf(ChronoUnit.MICROS.between(Instant.EPOCH, instant));
    return micros.compareTo(FIRST) < 0 || micros.compareTo(LAST) > 0 ? null : micros.longValueExact();
  }

  /** {@code dap_pattern_micros(text, pattern)}: {@link #patternMicros}. */
  public static final class PatternMicros implements UDF2<String, String, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long call(String text, String pattern) {
      return patternMicros(text, pattern);
    }
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
