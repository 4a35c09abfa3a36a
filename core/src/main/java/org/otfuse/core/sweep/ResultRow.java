package org.otfuse.core.sweep;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import org.otfuse.core.sweep.ResultSchema.Column;

/**
 * One row of the result table: a value (or null) per {@link ResultSchema.Column}. Values are
 * {@code String, Integer, Long, Double, Boolean, Instant, List<String>, List<Double>, List<Integer>}
 * according to the column type; {@link #set} checks this. Mutable while a point is being run, then
 * handed over.
 */
public final class ResultRow implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Object[] values = new Object[Column.values().length];

  /** An empty row with {@code schema_version} set. */
  public ResultRow() {
    set(Column.SCHEMA_VERSION, ResultSchema.VERSION);
  }

  /** A copy of this row. */
  public ResultRow copy() {
    ResultRow r = new ResultRow();
    System.arraycopy(values, 0, r.values, 0, values.length);
    return r;
  }

  /**
   * Sets a column (modifies this row); null clears it.
   *
   * @throws IllegalArgumentException naming the column when the value has the wrong type
   */
  public ResultRow set(Column c, Object v) {
    if (v != null && !fits(c.type(), v)) {
      throw new IllegalArgumentException("column " + c.column() + " is " + c.type() + " but got "
          + v.getClass().getSimpleName() + " " + v);
    }
    if (v instanceof Double d && d.isNaN()) {
      v = null; // NaN means "not applicable": stored as null
    }
    if (v instanceof List<?> l) {
      v = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(l));
    }
    values[c.ordinal()] = v;
    return this;
  }

  /** The value of a column (null when unset). */
  public Object get(Column c) {
    return values[c.ordinal()];
  }

  /** All values in column order (a copy). */
  public Object[] values() {
    return values.clone();
  }

  private static boolean fits(ResultSchema.Type t, Object v) {
    switch (t) {
      case STRING: return v instanceof String;
      case INT: return v instanceof Integer;
      case LONG: return v instanceof Long;
      case DOUBLE: return v instanceof Double;
      case BOOLEAN: return v instanceof Boolean;
      case TIMESTAMP: return v instanceof Instant;
      case STRING_ARRAY: return v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String);
      case DOUBLE_ARRAY: return v instanceof List<?> l && l.stream().allMatch(x -> x == null || x instanceof Double);
      case INT_ARRAY: return v instanceof List<?> l && l.stream().allMatch(x -> x instanceof Integer);
      default: return false;
    }
  }

  @Override
  public String toString() {
    return "ResultRow[" + get(Column.POINT_ID) + " " + get(Column.METHOD) + " " + get(Column.STATUS) + " "
        + get(Column.ACCURACY) + "]";
  }
}
