package org.otfuse.core.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a zoo knows about one model: {@code <zoo>/<model_id>/meta.json}. Written after the
 * checkpoint, so a model whose {@code meta.json} exists is complete.
 *
 * @param modelId the directory name; see {@link ZooModelSpec#modelId()}
 * @param architecture {@code mlp}
 * @param inputDim input features (784 for the MNIST family)
 * @param hidden hidden layer widths (unmodifiable)
 * @param numClasses output neurons
 * @param bias whether layers carry biases
 * @param dataset dataset name ({@code fashion-mnist}, {@code mnist})
 * @param split training split ({@link ZooSplit#name()})
 * @param seed initialisation and shuffling seed
 * @param epochs training epochs
 * @param trainImages number of training images used
 * @param testAccuracy test-set accuracy in percent after training
 * @param testLoss test-set mean negative log-likelihood
 * @param trainSeconds wall time of the training
 * @param otfuseVersion version of otfuse that trained it
 */
public record ModelMeta(
    String modelId, String architecture, int inputDim, List<Integer> hidden, int numClasses, boolean bias,
    String dataset, String split, long seed, int epochs, int trainImages, double testAccuracy,
    double testLoss, double trainSeconds, String otfuseVersion) implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final JsonMapper JSON = new JsonMapper();
  /** Version of the meta.json layout; bumped when a field changes meaning. */
  public static final int FORMAT = 1;

  public ModelMeta {
    hidden = List.copyOf(hidden);
  }

  /** Hidden widths as {@code 64x32} (used in model ids and result rows). */
  public String widthsLabel() {
    return ZooModelSpec.widthsLabel(hidden);
  }

  /** The meta.json bytes (UTF-8, pretty-printed). */
  public byte[] toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT);
    o.put("model_id", modelId);
    o.put("architecture", architecture);
    o.put("input_dim", inputDim);
    ArrayNode h = o.putArray("hidden");
    hidden.forEach(h::add);
    o.put("num_classes", numClasses);
    o.put("bias", bias);
    o.put("dataset", dataset);
    o.put("split", split);
    o.put("seed", seed);
    o.put("epochs", epochs);
    o.put("train_images", trainImages);
    o.put("test_accuracy", testAccuracy);
    o.put("test_loss", testLoss);
    o.put("train_seconds", trainSeconds);
    o.put("otfuse_version", otfuseVersion);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o).concat("\n")
          .getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Parses meta.json bytes.
   *
   * @param source the file, for messages
   * @throws IOException naming {@code source} and the missing or malformed field
   */
  public static ModelMeta fromJson(byte[] bytes, String source) throws IOException {
    JsonNode o;
    try {
      o = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IOException(source + ": not valid JSON: " + e.getMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new IOException(source + ": expected a JSON object");
    }
    int format = req(o, "format", source).asInt();
    if (format != FORMAT) {
      throw new IOException(source + ": meta.json format " + format + " but this otfuse reads format " + FORMAT);
    }
    List<Integer> hidden = new ArrayList<>();
    JsonNode h = req(o, "hidden", source);
    if (!h.isArray()) {
      throw new IOException(source + ": \"hidden\" is " + h + " but must be an array of widths");
    }
    h.forEach(x -> hidden.add(x.asInt()));
    return new ModelMeta(req(o, "model_id", source).asText(), req(o, "architecture", source).asText(),
        req(o, "input_dim", source).asInt(), hidden, req(o, "num_classes", source).asInt(),
        req(o, "bias", source).asBoolean(), req(o, "dataset", source).asText(), req(o, "split", source).asText(),
        req(o, "seed", source).asLong(), req(o, "epochs", source).asInt(), req(o, "train_images", source).asInt(),
        req(o, "test_accuracy", source).asDouble(), req(o, "test_loss", source).asDouble(),
        req(o, "train_seconds", source).asDouble(), req(o, "otfuse_version", source).asText());
  }

  private static JsonNode req(JsonNode o, String field, String source) throws IOException {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      throw new IOException(source + ": field \"" + field + "\" is missing");
    }
    return v;
  }
}
