package org.otfuse.jobs;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One local SparkSession per test class: created before the first test, stopped after the last,
 * injected as a {@link SparkSession} parameter. The master is {@link Master} on the class
 * ({@code local[2,2]} by default: two task slots, two attempts per task, so retries happen).
 */
public final class SparkExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SparkExtension.class);

  /** The master of the test class's session. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  public @interface Master {
    String value();
  }

  @Override
  public void beforeAll(ExtensionContext ctx) {
    Master m = ctx.getRequiredTestClass().getAnnotation(Master.class);
    SparkSession spark = SparkSession.builder()
        .master(m == null ? "local[2,2]" : m.value())
        .appName(ctx.getRequiredTestClass().getSimpleName())
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "1")
        .getOrCreate();
    ctx.getStore(NS).put("spark", spark);
  }

  @Override
  public void afterAll(ExtensionContext ctx) {
    SparkSession spark = ctx.getStore(NS).remove("spark", SparkSession.class);
    if (spark != null) {
      spark.stop();
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
    return p.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
    return ctx.getStore(NS).get("spark", SparkSession.class);
  }
}
