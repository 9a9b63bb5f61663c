package dap.ingest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalQueries;
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
 * <p>A pattern ({@code dd/MM/yyyy HH:mm}) is a {@link DateTimeFormatter} pattern, read strictly
 * ({@link #formatter}): a time without an offset or zone is UTC, a date alone its midnight. java.time
 * parses it here, not Spark's {@code to_timestamp}, which under Spark 3's default parser policy
 * fails the whole job on a value the legacy parser would have read differently.
 */
public final class EventTime {

  /** The first and last second of the years 1 to 9999: the times Spark and a date hold. */
  static final long FIRST_SECOND = -62_135_596_800L;

  static final long LAST_SECOND = 253_402_300_799L;

  /** The same bounds in microseconds: 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z. */
  static final BigDecimal FIRST = BigDecimal.valueOf(FIRST_SECOND).movePointRight(6);

  static final BigDecimal LAST =
      BigDecimal.valueOf(LAST_SECOND + 1).movePointRight(6).subtract(BigDecimal.ONE);

  /**
   * Longer texts, or exponents past this, are no time: {@code 1e-999999999} would make {@link
   * BigDecimal} work for seconds, or fail, on one value.
   */
  static final int MAX_LENGTH = 64;

  static final int MAX_SCALE = 64;

  /** Pattern texts longer than this are no time (long-form zone and day names fit). */
  static final int MAX_PATTERN_TEXT = 256;

  /** English names, weeks by ISO's rules (the "rg" extension: region GB for the calendar only). */
  private static final Locale ENGLISH_ISO_WEEKS = Locale.forLanguageTag("en-u-rg-gbzzzz");

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
   * {@code pattern} as a formatter; IllegalArgumentException if it is none. Strict: {@code
   * 2026-02-31} is no date (the default resolver would make it 2026-02-28), and a day name must be
   * that date's; {@code yyyy} years are of the common era, as everyone writes them. Month and day
   * names and AM/PM in English, in any case; week fields by ISO's rules (weeks start on Monday).
   */
  public static DateTimeFormatter formatter(String pattern) {
    return FORMATTERS.computeIfAbsent(
        pattern,
        p ->
            new DateTimeFormatterBuilder()
                .parseCaseInsensitive()
                .appendPattern(p)
                .parseDefaulting(ChronoField.ERA, 1)
                .toFormatter(ENGLISH_ISO_WEEKS)
                .withResolverStyle(ResolverStyle.STRICT));
  }

  /**
   * Why {@code pattern} cannot date a record (it writes no whole date, or cannot read back the date
   * it writes: {@code dd/mm/yyyy}, whose {@code mm} is minutes; {@code HH:mm}; {@code YYYY-MM-dd},
   * a week-based year), or null when it can. IllegalArgumentException if it is no pattern at all.
   */
  public static String patternProblem(String pattern) {
    ZonedDateTime sample = ZonedDateTime.of(2026, 11, 23, 13, 14, 15, 123_456_789, ZoneOffset.UTC);
    String text;
    try {
      text = formatter(pattern).format(sample);
    } catch (DateTimeException cannotWrite) {
      return "it cannot write a date: " + cannotWrite.getMessage();
    }
    Long micros = patternMicros(text, pattern);
    if (micros == null
        || !LocalDate.of(2026, 11, 23).equals(
            LocalDate.ofEpochDay(Math.floorDiv(micros, 86_400_000_000L)))) {
      return "2026-11-23 written in it (\"" + text + "\") does not read back as that day: "
          + "it needs a year (yyyy or uuuu, not the week-based YYYY), a month (MM, MMM; mm is "
          + "minutes) and a day of the month (dd)";
    }
    return null;
  }

  /**
   * The microseconds since 1970 of the time {@code text} writes in {@code pattern} (see the class),
   * rounded down; null when it does not fit the pattern, or is no time between the years 1 and 9999.
   * One parse and queries that answer null, not {@code parseBest}, which throws (and builds a
   * message) for each kind of time a text is not: 40 times slower on a date alone.
   */
  static Long patternMicros(String text, String pattern) {
    if (text == null || pattern == null) {
      return null;
    }
    String trimmed = text.trim();
    if (trimmed.isEmpty() || trimmed.length() > MAX_PATTERN_TEXT) {
      return null;
    }
    try {
      TemporalAccessor parsed = formatter(pattern).parse(trimmed);
      LocalDate day = parsed.query(TemporalQueries.localDate());
      if (day == null) {
        return null;
      }
      LocalTime time = parsed.query(TemporalQueries.localTime());
      ZoneId zone = parsed.query(TemporalQueries.zone()); // a zone or an offset, if it writes one
      LocalDateTime local = time == null ? day.atStartOfDay() : LocalDateTime.of(day, time);
      Instant instant = zone == null ? local.toInstant(ZoneOffset.UTC) : local.atZone(zone).toInstant();
      long seconds = instant.getEpochSecond();
      if (seconds < FIRST_SECOND || seconds > LAST_SECOND) {
        return null;
      }
      return seconds * 1_000_000L + instant.getNano() / 1_000; // a nanosecond >= 0: rounded down
    } catch (DateTimeException | ArithmeticException | IllegalArgumentException notATime) {
      return null; // DateTimeParseException is a DateTimeException
    }
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
