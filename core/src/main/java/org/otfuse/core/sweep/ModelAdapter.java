package org.otfuse.core.sweep;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.fusion.Baselines;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.LayerReport;
import org.otfuse.core.fusion.OtFusion;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.model.DenseLayer;
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
  public record Aligned(List<DenseLayer> layers, List<LayerReport> reports) {}

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

  /** One alignment of {@code source} onto {@code target} ({@link OtFusion#align}); a unit of distributed fusion. */
  public static Aligned align(Model source, Model target, FusionOptions o, INDArray samples) {
    OtFusion.Alignment a = OtFusion.align(source.net, target.net, o, samples);
    return new Aligned(a.layers(), a.reports());
  }

  /**
   * The average of the target and K-1 aligned sources: {@code s W_target + (1 - s) mean(aligned)},
   * exactly as {@link OtFusion#fuse} forms it (same float32 operations in the same order).
   */
  public static Fused average(Model target, List<Aligned> aligned, double step) {
    float s = (float) step;
    float others = (1f - s) / aligned.size();
    List<DenseLayer> fused = new ArrayList<>();
    for (int l = 0; l < target.net.depth(); l++) {
      DenseLayer t = target.net.layer(l);
      INDArray w = t.weight().mul(s);
      INDArray b = t.hasBias() ? t.bias().mul(s) : null;
      for (Aligned a : aligned) {
        DenseLayer al = a.layers().get(l);
        w.addi(al.weight().mul(others));
        if (b != null) {
          b.addi(al.bias().mul(others));
        }
      }
      fused.add(new DenseLayer(t.name(), w, b));
    }
    List<List<LayerReport>> reports = aligned.stream().map(Aligned::reports).toList();
    return new Fused(new Model("ot", target.net.withLayers(fused)), reports);
  }

  /** Fine-tunes a copy with SGD on {@code train}. Not modified: {@code m}. */
  public static Model finetune(Model m, ImageDataset train, SgdOptions o) {
    return new Model(m.id + "+ft", MlpTrainer.train(m.net, train, o, null));
  }

  /**
   * OT compression to {@code factor} of every hidden width, through core's
   * {@code org.otfuse.core.fusion.Compression.compress(MlpNet, double, FusionOptions)} (looked up
   * by reflection until it is part of every build).
   *
   * @throws UnsupportedOperationException when this build's core has no Compression class
   */
  public static Model compressOt(Model m, double factor, FusionOptions o) {
    Object result = invokeCompression("compress", new Class<?>[] {MlpNet.class, double.class, FusionOptions.class},
        m.net, factor, o);
    try {
      MlpNet net = (MlpNet) result.getClass().getMethod("compressed").invoke(result);
      return new Model(m.id + "@ot" + factor, net);
    } catch (ReflectiveOperationException e) {
      throw new UnsupportedOperationException("Compression.Result has no compressed() accessor", e);
    }
  }

  /** Magnitude pruning to {@code factor} of every hidden width ({@code Compression.pruneByMagnitude}). */
  public static Model pruneMagnitude(Model m, double factor) {
    MlpNet net = (MlpNet) invokeCompression("pruneByMagnitude", new Class<?>[] {MlpNet.class, double.class},
        m.net, factor);
    return new Model(m.id + "@mag" + factor, net);
  }

  private static Object invokeCompression(String name, Class<?>[] types, Object... args) {
    Method method;
    try {
      method = Class.forName("org.otfuse.core.fusion.Compression").getMethod(name, types);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new UnsupportedOperationException("compression needs org.otfuse.core.fusion.Compression." + name
          + " in otfuse core, which this build does not have yet", e);
    }
    try {
      return method.invoke(null, args);
    } catch (InvocationTargetException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes a model as safetensors (atomically) with string metadata. */
  public static void save(Model m, String path, Map<String, String> metadata) throws IOException {
    Safetensors.write(m.net.toStateDict(null), path, metadata);
  }

  private static List<MlpNet> nets(List<Model> ms) {
    return ms.stream().map(x -> x.net).toList();
  }
}
