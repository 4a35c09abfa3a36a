package org.otfuse.jobs;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The summary table printed at the end of a sweep, from the rows in the table. */
public final class Summary {
  private Summary() {}

  /** Mean/min/max accuracy per (kind, K, mode, solver, method), OT-vs-vanilla wins, failures. */
  public static String render(Dataset<Row> rows) {
    StringBuilder sb = new StringBuilder();
    List<Row> groups = rows.filter("status = 'ok'")
        .groupBy("point_kind", "group_size", "mode", "solver", "method")
        .agg(count("*").as("n"), avg("accuracy").as("mean"), min("accuracy").as("min"), max("accuracy").as("max"))
        .orderBy(col("point_kind").desc(), col("group_size"), col("mode").desc(), col("solver"), col("method"))
        .collectAsList();
    sb.append(String.format(Locale.ROOT, "%-11s %2s %-11s %-8s %-22s %5s %8s %8s %8s%n", "kind", "K", "mode",
        "solver", "method", "rows", "mean%", "min%", "max%"));
    for (Row r : groups) {
      sb.append(String.format(Locale.ROOT, "%-11s %2d %-11s %-8s %-22s %5d %8.2f %8.2f %8.2f%n", r.getString(0),
          r.getInt(1), r.getString(2), r.getString(3), r.getString(4), r.getLong(5), r.getDouble(6), r.getDouble(7),
          r.getDouble(8)));
    }
    Dataset<Row> ot = rows.filter("status = 'ok' and method = 'ot'").select(col("point_id"), col("accuracy").as("ot"));
    Dataset<Row> van = rows.filter("status = 'ok' and method = 'vanilla'")
        .select(col("point_id"), col("accuracy").as("vanilla"));
    Row w = ot.join(van, "point_id").selectExpr("count(*)", "sum(case when ot > vanilla then 1 else 0 end)",
        "avg(ot - vanilla)").first();
    long pairs = w.getLong(0);
    if (pairs > 0) {
      sb.append(String.format(Locale.ROOT, "OT fusion beats vanilla averaging on %d of %d fusion points"
          + " (mean gain %.2f points)%n", w.getLong(1), pairs, w.getDouble(2)));
    }
    long failed = rows.filter("status = 'failed'").count();
    sb.append(String.format(Locale.ROOT, "failed points: %d%n", failed));
    return sb.toString();
  }
}
