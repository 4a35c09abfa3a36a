package org.otfuse.jobs;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.VoidFunction;
import org.apache.spark.sql.SparkSession;
import org.otfuse.core.data.DatasetDownloader;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.sweep.PointRunner;
import org.otfuse.core.sweep.SweepConfig;
import org.otfuse.core.zoo.Zoo;
import org.otfuse.core.zoo.ZooModelSpec;
import org.otfuse.core.zoo.ZooTrainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code train-zoo}: one Spark task per model of {@code otfuse.zoo.models} that is not yet in
 * the zoo; each writes its checkpoint and meta.json (atomically) to the zoo directory. A failed
 * training is retried by Spark and then fails the job (a sweep needs its zoo).
 */
public final class ZooJob {
  private static final Logger LOG = LoggerFactory.getLogger(ZooJob.class);

  private ZooJob() {}

  /** Makes the datasets used by the zoo spec and the selection present in {@code data.dir}. */
  public static void installData(SweepConfig cfg, Set<String> extra) throws IOException {
    if (!cfg.data().install()) {
      return;
    }
    Set<DatasetName> sets = new LinkedHashSet<>(cfg.zoo().models().datasets());
    for (String s : extra) {
      sets.add(DatasetName.parse(s));
    }
    for (DatasetName d : sets) {
      String dir = PointRunner.datasetDir(cfg.data().dir(), d.cliName());
      DatasetDownloader.official(d, List.of()).ensure(d, dir);
    }
  }

  /** Trains the missing models; returns how many were trained. */
  public static int trainMissing(SparkSession spark, SweepConfig cfg) throws IOException {
    Zoo zoo = Zoo.at(cfg.zoo().dir());
    List<ZooModelSpec> missing = ZooTrainer.missing(cfg.zoo().models().expand(), zoo);
    if (missing.isEmpty()) {
      LOG.info("zoo {}: all {} models present", zoo.dir(), cfg.zoo().models().expand().size());
      return 0;
    }
    installData(cfg, Set.of());
    LOG.info("zoo {}: training {} models as Spark tasks", zoo.dir(), missing.size());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("otfuse-zoo", "train " + missing.size() + " zoo models", false);
    jsc.parallelize(missing, missing.size()).foreach(new Train(zoo.dir(), cfg.data().dir()));
    jsc.clearJobGroup();
    return missing.size();
  }

  /** The task: trains one model into the zoo. */
  static final class Train implements VoidFunction<ZooModelSpec> {
    private static final long serialVersionUID = 1L;
    private final String zooDir;
    private final String dataDir;

    Train(String zooDir, String dataDir) {
      this.zooDir = zooDir;
      this.dataDir = dataDir;
    }

    @Override
    public void call(ZooModelSpec spec) throws Exception {
      ExecutorSetup.ensure();
      Zoo zoo = Zoo.at(zooDir);
      if (zoo.contains(spec.modelId())) {
        return; // a retried or speculative attempt after the model was written
      }
      ZooTrainer.train(spec, PointRunner.datasetDir(dataDir, spec.dataset().cliName()), zoo);
    }
  }

  /** A local directory made absolute (executors may have another working directory); URIs unchanged. */
  static String absolute(String path) {
    if (path.contains("://") || path.startsWith("file:")) {
      return path;
    }
    return java.nio.file.Path.of(path).toAbsolutePath().normalize().toString();
  }
}
