package org.otfuse.core.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.train.TrainMeta;

/**
 * What a zoo knows about one model: {@code <zoo>/<model_id>/meta.json}, written after the
 * checkpoint, so a model whose {@code meta.json} exists is complete.
 *
 * <p><b>Layouts read.</b> The zoo writes the layout of {@code otfuse train} ({@link TrainMeta}:
 * {@code arch, width, hidden, bias, batchnorm, num_classes, input_shape, dataset, split, seed,
 * epochs, accuracy, loss, otfuse_version}, plus {@code model_id, train_images, train_seconds},
 * {@code arch_conf} for a HOCON architecture and the training recipe), so a directory written by
 * {@code otfuse train --out <zoo>/<id>} is a zoo model as it is. It also reads the zoo's first
 * layout ({@code "format": 1}, MLP only: {@code architecture, input_dim, hidden, num_classes, bias,
 * ..., test_accuracy, test_loss}), which zoos trained by earlier versions hold.
 *
 * @param modelId the directory name; see {@link ZooModelSpec#modelId()}
 * @param arch the architecture (rebuilds the graph)
 * @param dataset dataset name ({@code fashion-mnist}, {@code mnist}, {@code cifar10}, {@code cifar100})
 * @param split training split ({@code full}, {@code iid-0-of-2}, or {@code otfuse train}'s names)
 * @param seed initialisation and shuffling seed
 * @param epochs training epochs
 * @param trainImages number of training images used (0 when not recorded)
 * @param testAccuracy test-set accuracy in percent after training
 * @param testLoss test-set mean negative log-likelihood
 * @param trainSeconds wall time of the training (NaN when not recorded)
 * @param otfuseVersion version of otfuse that trained it
 */
public record ModelMeta(
    String modelId, ModelArch arch, String dataset, String split, long seed, int epochs, int trainImages,
    double testAccuracy, double testLoss, double trainSeconds, String otfuseVersion) implements Serializable {
  private static final long serialVersionUID = 2L;
  private static final JsonMapper JSON = new JsonMapper();
  /** Version of the zoo's first meta.json layout ({@code "format": 1}, MLP only), still read. */
  public static final int FORMAT = 1;

  /** The hidden widths (sizes of the hidden neuron groups; {@link ModelArch#widths()}). */
  public List<Integer> widths() {
    return arch.widths();
  }

  /** Hidden widths as {@code 64x32} (used in result rows and selections). */
  public String widthsLabel() {
    return ZooModelSpec.widthsLabel(widths());
  }

  /**
   * The meta.json of this model in the {@link TrainMeta} layout, with {@code extra} (training
   * recipe and history) added. Not modified: {@code extra}.
   */
  public TrainMeta toTrainMeta(ObjectNode extra) {
    ObjectNode e = extra == null ? TrainMeta.object() : extra.deepCopy();
    e.put("model_id", modelId);
    e.put("train_images", trainImages);
    if (Double.isFinite(trainSeconds)) {
      e.put("train_seconds", trainSeconds);
    }
    if (arch.conf() != null) {
      e.put("arch_conf", arch.conf());
    }
    return new TrainMeta(arch.archSpec(), dataset, split, seed, epochs, testAccuracy, testLoss, e);
  }

  /**
   * Reads {@code path}, the meta.json of model {@code modelId}, in either layout.
   *
   * @throws IOException naming {@code path} and the missing or malformed field, or a
   *     {@code model_id} that is not the directory's name
   */
  public static ModelMeta read(String path, String modelId) throws IOException {
    byte[] bytes = HadoopPaths.readAllBytes(path);
    JsonNode o;
    try {
      o = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IOException(path + ": not valid JSON: " + e.getMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new IOException(path + ": expected a JSON object");
    }
    ModelMeta m = o.has("arch") ? fromTrainMeta(o, path, modelId) : fromFormat1(o, path);
    if (!m.modelId().equals(modelId)) {
      throw new IOException(path + ": model_id is '" + m.modelId() + "' but the directory is '" + modelId + "'");
    }
    return m;
  }

  /** The zoo's first layout (MLP only). */
  private static ModelMeta fromFormat1(JsonNode o, String source) throws IOException {
    int format = req(o, "format", source).asInt();
    if (format != FORMAT) {
      throw new IOException(source + ": meta.json format " + format + " but this otfuse reads format " + FORMAT
          + " or the layout of otfuse train (with an \"arch\" key)");
    }
    List<Integer> hidden = new ArrayList<>();
    JsonNode h = req(o, "hidden", source);
    if (!h.isArray()) {
      throw new IOException(source + ": \"hidden\" is " + h + " but must be an array of widths");
    }
    h.forEach(x -> hidden.add(x.asInt()));
    String architecture = req(o, "architecture", source).asText();
    if (!architecture.equals("mlp")) {
      throw new IOException(source + ": architecture is '" + architecture + "' but format " + FORMAT
          + " describes only 'mlp'");
    }
    ModelArch arch = new ModelArch("mlp", null, 1.0, hidden, req(o, "bias", source).asBoolean(), false,
        req(o, "num_classes", source).asInt(), List.of(req(o, "input_dim", source).asLong()));
    return new ModelMeta(req(o, "model_id", source).asText(), arch, req(o, "dataset", source).asText(),
        req(o, "split", source).asText(), req(o, "seed", source).asLong(), req(o, "epochs", source).asInt(),
        req(o, "train_images", source).asInt(), req(o, "test_accuracy", source).asDouble(),
        req(o, "test_loss", source).asDouble(), req(o, "train_seconds", source).asDouble(),
        req(o, "otfuse_version", source).asText());
  }

  /** The layout of {@code otfuse train} ({@link TrainMeta#fromJson}), with the zoo's extra keys when present. */
  private static ModelMeta fromTrainMeta(JsonNode o, String path, String modelId) throws IOException {
    TrainMeta t = TrainMeta.fromJson(o, path);
    ObjectNode extra = t.extra();
    String conf = text(extra, "arch_conf");
    if (conf == null && ModelArch.isConfName(t.arch().name())) {
      conf = readConf(t.arch().name(), path);
    }
    ModelArch arch = ModelArch.of(t.arch(), conf);
    String id = text(extra, "model_id");
    JsonNode images = extra.get("train_images");
    JsonNode seconds = extra.get("train_seconds");
    JsonNode version = o.get("otfuse_version");
    return new ModelMeta(id == null ? modelId : id, arch, t.dataset(), t.split(), t.seed(), t.epochs(),
        images == null || images.isNull() ? 0 : images.asInt(), t.accuracy(), t.loss(),
        seconds == null || seconds.isNull() ? Double.NaN : seconds.asDouble(),
        version == null || version.isNull() ? "unknown" : version.asText());
  }

  /** The text of a HOCON architecture named in a meta.json: the path as it is, else inside the model directory. */
  private static String readConf(String file, String metaPath) throws IOException {
    String path = file;
    if (!HadoopPaths.exists(path)) {
      Path beside = new Path(new Path(metaPath).getParent(), file);
      if (!new Path(file).isAbsolute() && HadoopPaths.exists(beside.toString())) {
        path = beside.toString();
      } else {
        throw new IOException(metaPath + ": arch is the file " + file + ", which does not exist, and there is no"
            + " \"arch_conf\" key with its text");
      }
    }
    return new String(HadoopPaths.readAllBytes(path), StandardCharsets.UTF_8);
  }

  private static String text(JsonNode o, String key) {
    JsonNode v = o.get(key);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static JsonNode req(JsonNode o, String field, String source) throws IOException {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      throw new IOException(source + ": field \"" + field + "\" is missing");
    }
    return v;
  }
}
