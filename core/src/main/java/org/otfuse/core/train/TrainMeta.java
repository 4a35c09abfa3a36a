package org.otfuse.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.io.HadoopPaths;

/**
 * The {@code meta.json} beside a trained model's {@code model.safetensors}, so that a directory
 * of models (a zoo) describes itself. Required keys: {@code arch, width, bias, batchnorm,
 * num_classes, input_shape, dataset, split, seed, epochs, accuracy, loss, otfuse_version}
 * ({@code hidden} for MLPs with explicit widths); anything else (training options, per-epoch
 * history, timings, BatchNorm-recalibrated accuracy, what a fine-tuned model started from) is in
 * {@link #extra}, a JSON object kept as it is.
 *
 * <p>It is also the zoo's layout: {@link org.otfuse.core.zoo.Zoo#write} writes a zoo model's
 * {@code <zoo>/<model_id>/meta.json} as a TrainMeta ({@link org.otfuse.core.zoo.ModelMeta#toTrainMeta})
 * whose {@link #extra} adds {@code model_id, train_images, train_seconds}, {@code arch_conf} (the
 * text of a HOCON architecture) and {@link org.otfuse.core.zoo.ZooTrainer}'s recipe and history,
 * beside {@code model.safetensors}; {@link org.otfuse.core.zoo.ModelMeta#read} reads it back
 * through {@link #fromJson}. So a directory written by {@code otfuse train --out <zoo>/<id>} is a zoo
 * model as it is, for any architecture. {@code ModelMeta} remains the zoo's own view (a
 * {@link org.otfuse.core.zoo.ModelArch} that rebuilds the graph on Spark executors, the extra keys
 * as fields) and still reads the zoo's first, MLP-only layout ({@code "format": 1}: {@code
 * architecture, input_dim, hidden, test_accuracy, ...}) of zoos trained by earlier versions; this
 * class does not read that layout.
 *
 * @param split canonical split name ({@code full}, {@code iid:2:0}, ...)
 * @param accuracy test accuracy in percent after the last epoch
 * @param loss test mean negative log-likelihood after the last epoch
 * @param extra further keys (not null; copied)
 */
public record TrainMeta(ArchSpec arch, String dataset, String split, long seed, int epochs, double accuracy,
    double loss, ObjectNode extra) {
  private static final JsonMapper JSON = new JsonMapper();
  /** File name of the metadata in a model directory. */
  public static final String FILE = "meta.json";
  /** File name of the parameters in a model directory. */
  public static final String MODEL = "model.safetensors";

  public TrainMeta {
    extra = extra == null ? JSON.createObjectNode() : extra.deepCopy();
  }

  @Override
  public ObjectNode extra() {
    return extra.deepCopy();
  }

  /** A fresh JSON object for {@link #extra}. */
  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** UTF-8, pretty-printed. */
  public byte[] toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("arch", arch.name());
    o.put("width", arch.width());
    if (arch.hidden() != null) {
      ArrayNode h = o.putArray("hidden");
      for (int w : arch.hidden()) {
        h.add(w);
      }
    }
    o.put("bias", arch.bias());
    o.put("batchnorm", arch.batchNorm());
    o.put("num_classes", arch.numClasses());
    ArrayNode in = o.putArray("input_shape");
    for (long d : arch.inputShape()) {
      in.add(d);
    }
    o.put("dataset", dataset);
    o.put("split", split);
    o.put("seed", seed);
    o.put("epochs", epochs);
    o.put("accuracy", accuracy);
    o.put("loss", loss);
    o.put("otfuse_version", Versions.otfuse());
    extra.fields().forEachRemaining(e -> {
      if (!o.has(e.getKey())) {
        o.set(e.getKey(), e.getValue());
      }
    });
    try {
      return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code <dir>/meta.json} atomically. */
  public void write(String dir) throws IOException {
    HadoopPaths.writeBytes(new org.apache.hadoop.fs.Path(dir, FILE).toString(), toJson());
  }

  /** Reads {@code path} (a meta.json); fails naming the file and the missing or malformed key. */
  public static TrainMeta read(String path) throws IOException {
    JsonNode o;
    try {
      o = JSON.readTree(HadoopPaths.readAllBytes(path));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(path + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    return fromJson(o, path);
  }

  /**
   * The metadata in {@code o}, a meta.json already parsed (e.g. by a reader that also accepts
   * other layouts); fails naming {@code path} and the missing or malformed key. Not modified: {@code o}.
   *
   * @param path where {@code o} was read from, for the messages
   */
  public static TrainMeta fromJson(JsonNode o, String path) throws IOException {
    if (o == null || !o.isObject()) {
      throw new IOException(path + ": expected a JSON object");
    }
    int[] hidden = null;
    if (o.has("hidden") && !o.get("hidden").isNull()) {
      List<Integer> h = new ArrayList<>();
      o.get("hidden").forEach(x -> h.add(x.asInt()));
      hidden = h.stream().mapToInt(Integer::intValue).toArray();
    }
    List<Long> shape = new ArrayList<>();
    JsonNode in = req(o, "input_shape", path);
    if (!in.isArray()) {
      throw new IOException(path + ": \"input_shape\" is " + in + " but must be an array such as [1, 28, 28]");
    }
    in.forEach(x -> shape.add(x.asLong()));
    ArchSpec arch = new ArchSpec(req(o, "arch", path).asText(), req(o, "width", path).asDouble(),
        req(o, "bias", path).asBoolean(), req(o, "batchnorm", path).asBoolean(), req(o, "num_classes", path).asInt(),
        shape.stream().mapToLong(Long::longValue).toArray(), hidden);
    ObjectNode extra = ((ObjectNode) o).deepCopy();
    for (String k : List.of("arch", "width", "hidden", "bias", "batchnorm", "num_classes", "input_shape", "dataset",
        "split", "seed", "epochs", "accuracy", "loss", "otfuse_version")) {
      extra.remove(k);
    }
    return new TrainMeta(arch, req(o, "dataset", path).asText(), req(o, "split", path).asText(),
        req(o, "seed", path).asLong(), req(o, "epochs", path).asInt(), req(o, "accuracy", path).asDouble(),
        req(o, "loss", path).asDouble(), extra);
  }

  private static JsonNode req(JsonNode o, String key, String path) throws IOException {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      throw new IOException(path + ": key \"" + key + "\" is missing");
    }
    return v;
  }
}
