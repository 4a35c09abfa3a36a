package org.otfuse.jobs;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.sweep.ResultRow;
import org.otfuse.core.sweep.ResultSchema;
import org.otfuse.core.sweep.ResultSchema.Column;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Parquet result table: {@code <root>/sweep_id=<id>/point_bucket=<n>/part-*.parquet}, columns
 * of {@link ResultSchema} version {@value ResultSchema#VERSION}.
 *
 * <p><b>Commit and resume.</b> Rows are written with Spark's file commit protocol
 * (FileOutputCommitter, algorithm 1): a write's files appear under the sweep's directory only when
 * its job commits, and uncommitted task output stays under {@code _temporary}, which readers
 * ignore. Each point is one task whose rows land in one file, so a point is either wholly in the
 * table or not at all, even when a job commit is cut short. A rerun deletes a leftover
 * {@code _temporary} first (no two runs of one sweep may run at once), reads the point ids already
 * present and skips them: resume never duplicates rows, and deleting a {@code point_bucket=<n>}
 * directory makes the next run recompute exactly those points.
 */
public final class ResultTable {
  private static final Logger LOG = LoggerFactory.getLogger(ResultTable.class);

  private ResultTable() {}

  /** The full schema (partition columns included). */
  public static StructType schema() {
    List<StructField> fields = new ArrayList<>();
    for (Column c : ResultSchema.columns()) {
      fields.add(DataTypes.createStructField(c.column(), sparkType(c.type()),
          c != Column.SCHEMA_VERSION && c != Column.SWEEP_ID && c != Column.POINT_ID));
    }
    return DataTypes.createStructType(fields);
  }

  /** The schema of the files of one sweep directory: without {@code sweep_id}. */
  public static StructType fileSchema() {
    StructType s = schema();
    return DataTypes.createStructType(java.util.Arrays.stream(s.fields())
        .filter(f -> !f.name().equals(Column.SWEEP_ID.column())).toArray(StructField[]::new));
  }

  private static DataType sparkType(ResultSchema.Type t) {
    switch (t) {
      case STRING: return DataTypes.StringType;
      case INT: return DataTypes.IntegerType;
      case LONG: return DataTypes.LongType;
      case DOUBLE: return DataTypes.DoubleType;
      case BOOLEAN: return DataTypes.BooleanType;
      case TIMESTAMP: return DataTypes.TimestampType;
      case STRING_ARRAY: return DataTypes.createArrayType(DataTypes.StringType, false);
      case DOUBLE_ARRAY: return DataTypes.createArrayType(DataTypes.DoubleType, true);
      case INT_ARRAY: return DataTypes.createArrayType(DataTypes.IntegerType, false);
      default: throw new AssertionError(t);
    }
  }

  /** A Spark row in {@link #fileSchema()} order (no {@code sweep_id}). */
  public static Row toFileRow(ResultRow r) {
    List<Object> v = new ArrayList<>();
    for (Column c : ResultSchema.columns()) {
      if (c == Column.SWEEP_ID) {
        continue;
      }
      Object x = r.get(c);
      if (x instanceof Instant i) {
        x = Timestamp.from(i);
      } else if (x instanceof List<?> l) {
        x = scala.jdk.javaapi.CollectionConverters.asScala(l).toSeq();
      }
      v.add(x);
    }
    return RowFactory.create(v.toArray());
  }

  /** {@code <root>/sweep_id=<id>}. */
  public static String sweepDir(String root, String sweepId) {
    return new Path(root, Column.SWEEP_ID.column() + "=" + sweepId).toString();
  }

  /** Whether {@code dir} holds at least one Parquet file (at any depth below it, not in hidden directories). */
  static boolean hasParquet(String dir) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = HadoopPaths.fileSystem(p);
    if (!fs.exists(p)) {
      return false;
    }
    org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it = fs.listFiles(p, true);
    while (it.hasNext()) {
      Path f = it.next().getPath();
      String rel = f.toString().substring(fs.makeQualified(p).toString().length());
      if (f.getName().endsWith(".parquet") && !rel.contains("/_") && !rel.contains("/.")) {
        return true;
      }
    }
    return false;
  }

  /** Every row of every sweep under {@code root} (empty when there is none). */
  public static Dataset<Row> read(SparkSession spark, String root) throws IOException {
    if (!hasParquet(root)) {
      return spark.createDataFrame(new ArrayList<Row>(), schema());
    }
    return spark.read().schema(schema()).parquet(root);
  }

  /** The rows of one sweep (with its {@code sweep_id} column). */
  public static Dataset<Row> readSweep(SparkSession spark, String root, String sweepId) throws IOException {
    String dir = sweepDir(root, sweepId);
    if (!hasParquet(dir)) {
      return spark.createDataFrame(new ArrayList<Row>(), schema());
    }
    return spark.read().schema(schema()).option("basePath", root).parquet(dir);
  }

  /**
   * The point ids already committed for a sweep. Fails when the rows were written with another
   * schema version (a results directory is never mixed).
   */
  public static Set<String> committedPointIds(SparkSession spark, String root, String sweepId) throws IOException {
    Dataset<Row> rows = readSweep(spark, root, sweepId);
    Set<String> ids = new HashSet<>();
    for (Row r : rows.select(Column.POINT_ID.column(), Column.SCHEMA_VERSION.column()).distinct().collectAsList()) {
      int v = r.getInt(1);
      if (v != ResultSchema.VERSION) {
        throw new IllegalStateException(sweepDir(root, sweepId) + " holds rows of schema_version " + v
            + " but this otfuse writes version " + ResultSchema.VERSION + "; use a new sweep id or results directory");
      }
      ids.add(r.getString(0));
    }
    return ids;
  }

  /**
   * Deletes what a killed run may have left in the sweep directory: the committer's
   * {@code _temporary} (uncommitted task output, which a later job commit would otherwise pick up)
   * and hidden temporary files.
   */
  public static void cleanStale(String root, String sweepId) throws IOException {
    Path dir = new Path(sweepDir(root, sweepId));
    FileSystem fs = HadoopPaths.fileSystem(dir);
    if (!fs.exists(dir)) {
      return;
    }
    for (FileStatus st : fs.listStatus(dir)) {
      String name = st.getPath().getName();
      if (name.equals("_temporary") || name.startsWith(".spark-staging")) {
        LOG.warn("removing {} left by an interrupted run", st.getPath());
        fs.delete(st.getPath(), true);
      }
    }
  }
}
