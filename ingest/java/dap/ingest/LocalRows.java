package dap.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Rows the Python driver holds (a run's log rows, one row per file of a batch) as a local
 * relation: the rows cross py4j in one call, as one JSON text, and become a {@code LocalRelation}
 * that a write or a broadcast join reads straight from the driver's memory (ingest/local_rows.py).
 *
 * <p>Spark's JSON reader over the same text plans a scan of an RDD and parses it in the write's
 * own job; a one-row {@code ingest_meta} append took 201 ms that way against 152 ms from a local
 * relation, in a warm session (bench/RESULTS.md, session 51). Values are typed here by the
 * schema, strictly: a value of another JSON type than its field's is an error, never a null.
 */
public final class LocalRows {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

  private LocalRows() {}

  /**
   * {@code rowsJson}, a JSON array of rows, each an array of values in the order of the fields of
   * {@code schemaJson} (a StructType's JSON), as a DataFrame of that schema. Field types: string,
   * bigint, int, double, boolean; a JSON null is a null of any of them.
   */
  public static Dataset<Row> fromJson(SparkSession spark, String rowsJson, String schemaJson)
      throws IOException {
    StructType schema = (StructType) DataType.fromJson(schemaJson);
    StructField[] fields = schema.fields();
    JsonNode rows = JSON.readTree(rowsJson);
    if (rows == null || !rows.isArray()) {
      throw new IllegalArgumentException("local rows: expected a JSON array of rows");
    }
    List<Row> out = new ArrayList<>(rows.size());
    for (int r = 0; r < rows.size(); r++) {
      JsonNode row = rows.get(r);
      if (!row.isArray() || row.size() != fields.length) {
        throw new IllegalArgumentException(
            "local rows: row " + r + " is not an array of " + fields.length + " values");
      }
      Object[] values = new Object[fields.length];
      for (int f = 0; f < fields.length; f++) {
        values[f] = value(row.get(f), fields[f], r);
      }
      out.add(RowFactory.create(values));
    }
    return spark.createDataFrame(out, schema);
  }

  static Object value(JsonNode node, StructField field, int row) {
    if (node.isNull()) {
      return null;
    }
    DataType type = field.dataType();
    if (type.equals(DataTypes.StringType) && node.isTextual()) {
      return node.textValue();
    }
    if (type.equals(DataTypes.LongType) && node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (type.equals(DataTypes.IntegerType) && node.isIntegralNumber() && node.canConvertToInt()) {
      return node.intValue();
    }
    if (type.equals(DataTypes.DoubleType) && node.isNumber()) {
      return node.doubleValue();
    }
    if (type.equals(DataTypes.BooleanType) && node.isBoolean()) {
      return node.booleanValue();
    }
    throw new IllegalArgumentException(
        "local rows: row " + row + ", field " + field.name() + " (" + type.simpleString()
            + "): cannot hold " + node.getNodeType() + " " + abbreviated(node.toString()));
  }

  private static String abbreviated(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
