package org.otfuse.core.sweep;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.fusion.Baselines;
import org.otfuse.core.fusion.Compression;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.LayerReport;
import org.otfuse.core.fusion.OtFusion;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.model.Evaluation;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.train.MlpTrainer;
import org.otfuse.core.train.SgdOptions;
import org.otfuse.core.zoo.ModelMeta;
import org.otfuse.core.zoo.Zoo;

/**
 * Everything the sweep does to a model, in one place: the only class of the sweep and jobs code
 * that knows the model type ({@link MlpNet} today). When the general network graph arrives, this
 * class is what changes; {@link PointRunner} and the Spark jobs only hold {@link Model}s.
 */
public final class ModelAdapter {
  private ModelAdapter() {}

  /** A loaded model, opaque outside this class. Shared, not copied: never modified in place. */
  public static final class Model implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final String id;
    private final transient MlpNet net;

    Model(String id, MlpNet net) {
      this.id = id;
      this.net = net;
    }

    /** The zoo id, or a label such as {@code ot(a,b)} for derived models. */
    public String id() {
      return id;
    }

    /** Hidden widths as {@code 64x32}. */
    public String widths() {
      int[] w = net.widths();
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < w.length - 1; i++) {
        sb.append(i == 0 ? "" : "x").append(w[i]);
      }
      return sb.toString();
    }
  }

  /** A fused model with the per-layer reports of each aligned source (K-1 lists). */
  public record Fused(Model model, List<List<LayerReport>> reports) {}

  /** One source aligned onto the target (one of the K-1 alignments of a fusion). */
  public record Aligned(Network network, List<LayerReport> reports) {}

  /** Loads a zoo model (checked against its meta.json); errors name the checkpoint file. */
  public static Model load(Zoo zoo, ModelMeta meta) throws IOException {
    return new Model(meta.modelId(), zoo.load(meta));
  }

  /** Wraps an in-memory network (tests and jobs that build models themselves). */
  public static Model wrap(String id, MlpNet net) {
    return new Model(id, net);
  }

  /** The network inside (for code that is MLP-specific by nature, such as tests). */
  public static MlpNet unwrap(Model m) {
    return m.net;
  }

  /** Test accuracy and loss of one model. */
  public static Evaluation.Metrics evaluate(Model m, ImageDataset test) {
    return Evaluation.evaluate(m.net, test);
  }

  /** Test accuracy and loss of the prediction ensemble (mean of log-softmax outputs). */
  public static Evaluation.Metrics evaluateEnsemble(List<Model> ms, ImageDataset test) {
    return Evaluation.evaluateEnsemble(nets(ms), test);
  }

  /** The parameter average without alignment; fails naming the tensor when shapes differ. */
  public static Model vanilla(List<Model> ms, int target, double step) {
    return new Model("vanilla", Baselines.vanillaAverage(nets(ms), target, step));
  }

  /** OT fusion of all models onto {@code ms.get(target)} in this thread (core's {@link OtFusion#fuse}). */
  public static Fused fuse(List<Model> ms, int target, FusionOptions o, INDArray samples) {
    OtFusion.Result r = OtFusion.fuse(nets(ms), target, o, samples);
    return new Fused(new Model("ot", r.fused()), r.reports());
  }

  /** One alignment of {@code source} onto {@code target} ({@link GraphFusion#align}); a unit of distributed fusion. */
  public static Aligned align(Model source, Model target, FusionOptions o, INDArray samples) {
    GraphFusion.Alignment a = GraphFusion.align(source.net.toNetwork(), target.net.toNetwork(), o, samples);
    return new Aligned(a.aligned(), a.reports());
  }

  /**
   * The average of the target and K-1 aligned sources, {@code s W_target + (1 - s) mean(aligned)}
   * ({@link GraphFusion#average}, the same operations {@link OtFusion#fuse} performs).
   */
  public static Fused average(Model target, List<Aligned> aligned, double step) {
    Network avg = GraphFusion.average(target.net.toNetwork(), aligned.stream().map(Aligned::network).toList(), step);
    List<List<LayerReport>> reports = aligned.stream().map(Aligned::reports).toList();
    return new Fused(new Model("ot", MlpNet.fromNetwork(avg)), reports);
  }

  /** Fine-tunes a copy with SGD on {@code train}. Not modified: {@code m}. */
  public static Model finetune(Model m, ImageDataset train, SgdOptions o) {
    return new Model(m.id + "+ft", MlpTrainer.train(m.net, train, o, null));
  }

  /** OT compression to {@code factor} of every hidden width ({@link Compression#compress}). */
  public static Model compressOt(Model m, double factor, FusionOptions o) {
    return new Model(m.id + "@ot" + factor, Compression.compress(m.net, factor, o).compressed());
  }

  /** Magnitude pruning to {@code factor} of every hidden width ({@link Compression#pruneByMagnitude}). */
  public static Model pruneMagnitude(Model m, double factor) {
    return new Model(m.id + "@mag" + factor, Compression.pruneByMagnitude(m.net, factor));
  }

  /** Writes a model as safetensors (atomically) with string metadata. */
  public static void save(Model m, String path, Map<String, String> metadata) throws IOException {
    Safetensors.write(m.net.toStateDict(null), path, metadata);
  }

  private static List<MlpNet> nets(List<Model> ms) {
    return ms.stream().map(x -> x.net).toList();
  }
}
