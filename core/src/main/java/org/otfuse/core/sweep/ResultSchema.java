package org.otfuse.core.sweep;

import java.util.Arrays;
import java.util.List;

/**
 * The result table's columns, version {@value #VERSION}: one row per (point, method). The jobs
 * module maps them to a Spark schema; {@code sweep_id} and {@code point_bucket} are the partition
 * columns (directories {@code sweep_id=<id>/point_bucket=<n>}). A change that renames, removes or
 * changes the meaning of a column bumps {@link #VERSION}; adding a nullable column does not.
 *
 * <p>Version 2: {@code backend} added (the transport backend of the point's OT math); {@code arch}
 * holds any architecture ({@code mlp}, {@code vgg11}, {@code resnet18}, a HOCON file name) and
 * {@code widths} / {@code result_widths} the sizes of the hidden neuron groups of any network;
 * {@code parameters} (the evaluated model's parameter entries) added later as a nullable column
 * within version 2 (tables written before it read it as null).
 */
public final class ResultSchema {
  /** The schema version written in every row ({@code schema_version}). */
  public static final int VERSION = 2;

  private ResultSchema() {}

  /** Column value types. */
  public enum Type { STRING, INT, LONG, DOUBLE, BOOLEAN, TIMESTAMP, STRING_ARRAY, DOUBLE_ARRAY, INT_ARRAY }

  /** The columns, in table order, each with its type and meaning. */
  public enum Column {
    SCHEMA_VERSION("schema_version", Type.INT, "result schema version (" + VERSION + ")"),
    SWEEP_ID("sweep_id", Type.STRING, "sweep name (partition column)"),
    POINT_BUCKET("point_bucket", Type.INT, "hash(point_id) mod run.buckets (partition column)"),
    POINT_ID("point_id", Type.STRING, "stable id of the point: sha256 of its settings, 16 hex digits"),
    POINT_INDEX("point_index", Type.INT, "position of the point in the expanded sweep"),
    POINT_KIND("point_kind", Type.STRING, "fusion | compression"),
    METHOD("method", Type.STRING, "parent | ensemble | vanilla | ot | ot_finetuned | compress_ot | compress_magnitude"
        + " | compress_<m>_finetuned | point (a failed point)"),
    STATUS("status", Type.STRING, "ok | failed"),
    ERROR("error", Type.STRING, "exception class and message of a failed point (null when ok)"),
    MODEL_ID("model_id", Type.STRING, "the parent of a parent row, the compressed model of a compression row"),
    MODEL_IDS("model_ids", Type.STRING_ARRAY, "the point's zoo models in group order"),
    DATASET("dataset", Type.STRING, "dataset name"),
    ARCH("arch", Type.STRING, "architecture: mlp, vgg11 ... vgg19, resnet18, resnet34, or the file name of a HOCON"
        + " architecture"),
    WIDTHS("widths", Type.STRING, "hidden widths of the parents (sizes of the hidden neuron groups: MLP layers,"
        + " conv channels), e.g. 64x32"),
    SPLITS("splits", Type.STRING_ARRAY, "training split of each parent"),
    GROUP_SIZE("group_size", Type.INT, "K, the number of models fused (1 for compression)"),
    TARGET_INDEX("target_index", Type.INT, "index of the target model in model_ids"),
    TARGET_MODEL_ID("target_model_id", Type.STRING, "the target model"),
    MODE("mode", Type.STRING, "weights | activations"),
    SOLVER("solver", Type.STRING, "exact | sinkhorn"),
    REG("reg", Type.DOUBLE, "Sinkhorn regularisation (null for exact)"),
    GROUND_METRIC("ground_metric", Type.STRING, "euclidean | sqeuclidean | cosine"),
    NORMALIZATION("normalization", Type.STRING, "none | max | median | mean | log"),
    ENSEMBLE_STEP("ensemble_step", Type.DOUBLE, "weight of the target in the average"),
    ACTIVATION_SAMPLES("activation_samples", Type.INT, "training images for activations mode (0 otherwise)"),
    FINETUNE_EPOCHS("finetune_epochs", Type.INT, "fine-tuning epochs of the point (0 = none)"),
    WIDTH_FACTOR("width_factor", Type.DOUBLE, "compression width factor (null for fusion)"),
    RESULT_WIDTHS("result_widths", Type.STRING, "hidden widths of the evaluated model (as widths)"),
    PARAMETERS("parameters", Type.LONG, "parameter entries of the evaluated model: the elements of every"
        + " floating-point tensor of its state dict (weights, biases, BatchNorm weight, bias, running_mean and"
        + " running_var; not BatchNorm's integer num_batches_tracked); null for the ensemble (K models, no single"
        + " model) and a failed point"),
    ACCURACY("accuracy", Type.DOUBLE, "test accuracy in percent"),
    LOSS("loss", Type.DOUBLE, "test mean negative log-likelihood"),
    N_TEST("n_test", Type.INT, "test images evaluated"),
    OT_LAYERS("ot_layers", Type.STRING_ARRAY, "names of the neuron groups (layers) transported"),
    OT_COST("ot_cost", Type.DOUBLE_ARRAY, "per group: OT cost <T, M>, mean over the K-1 alignments"),
    OT_COST_TOTAL("ot_cost_total", Type.DOUBLE, "sum of ot_cost"),
    PLAN_ENTROPY("plan_entropy", Type.DOUBLE_ARRAY, "per group: entropy of the plan (mass 1), mean over alignments"),
    PLAN_DENSITY("plan_density", Type.DOUBLE_ARRAY, "per group: fraction of non-zero plan entries, mean"),
    SOLVER_ITERATIONS("solver_iterations", Type.INT_ARRAY, "per group: solver iterations, max over alignments"),
    TIME_LOAD_S("time_load_s", Type.DOUBLE, "point: seconds loading models and data"),
    TIME_COMPUTE_S("time_compute_s", Type.DOUBLE, "row: seconds computing the model (fuse, average, compress, fine-tune)"),
    TIME_EVAL_S("time_eval_s", Type.DOUBLE, "row: seconds evaluating it on the test set"),
    TIME_TOTAL_S("time_total_s", Type.DOUBLE, "point: seconds for the whole point"),
    ATTEMPT("attempt", Type.INT, "Spark task attempt that produced the row (0 = first)"),
    DISTRIBUTION("distribution", Type.STRING, "how the point ran: task | k-alignments | activation-groups | block"),
    OTFUSE_VERSION("otfuse_version", Type.STRING, "otfuse version"),
    SPARK_VERSION("spark_version", Type.STRING, "Spark version"),
    ND4J_BACKEND("nd4j_backend", Type.STRING, "ND4J backend of the executor (CpuBackend, JCublasBackend)"),
    BACKEND("backend", Type.STRING, "transport backend of the point's OT fusion (ground costs, Sinkhorn): cpu-nd4j"
        + " (core's ND4J CPU path, also what exact OT, plan algebra and compression always use) or cuda:N (...)"
        + " (the GPU Spark assigned to the task; run.backend)"),
    JAVA_VERSION("java_version", Type.STRING, "Java version of the executor"),
    EXECUTOR_ID("executor_id", Type.STRING, "Spark executor that ran the point"),
    FINISHED_AT("finished_at", Type.TIMESTAMP, "when the row was produced (UTC)");

    private final String column;
    private final Type type;
    private final String doc;

    Column(String column, Type type, String doc) {
      this.column = column;
      this.type = type;
      this.doc = doc;
    }

    /** The column name in the table. */
    public String column() {
      return column;
    }

    public Type type() {
      return type;
    }

    /** What the column holds. */
    public String doc() {
      return doc;
    }
  }

  /** The partition columns, outermost first. */
  public static final List<Column> PARTITIONS = List.of(Column.SWEEP_ID, Column.POINT_BUCKET);

  /** All columns in table order. */
  public static List<Column> columns() {
    return Arrays.asList(Column.values());
  }

  /** The schema as a Markdown table (for the README). */
  public static String markdown() {
    StringBuilder sb = new StringBuilder("| column | type | meaning |\n|---|---|---|\n");
    for (Column c : Column.values()) {
      sb.append("| ").append(c.column()).append(" | ").append(c.type().name().toLowerCase(java.util.Locale.ROOT))
          .append(" | ").append(c.doc().replace("|", "\\|")).append(" |\n");
    }
    return sb.toString();
  }
}
