package org.otfuse.core.backend;

/**
 * One OT problem of a {@link TransportBackend#sinkhornBatch batch}: a row-major {@code n x m}
 * float32 cost and the masses. The arrays are held by reference, not copied: do not modify them
 * while a backend uses this instance.
 */
public final class OtInstance {
  private final float[] cost;
  private final int n;
  private final int m;
  private final double[] a;
  private final double[] b;

  /** Checks the lengths only; the backend validates the values. */
  public OtInstance(float[] cost, int n, int m, double[] a, double[] b) {
    BackendChecks.requireCostShape(cost, n, m);
    BackendChecks.requireLength(a, n, "a");
    BackendChecks.requireLength(b, m, "b");
    this.cost = cost;
    this.n = n;
    this.m = m;
    this.a = a;
    this.b = b;
  }

  float[] cost() {
    return cost;
  }

  /** Rows. */
  public int n() {
    return n;
  }

  /** Columns. */
  public int m() {
    return m;
  }

  double[] a() {
    return a;
  }

  double[] b() {
    return b;
  }
}
